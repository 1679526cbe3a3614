// `kamal-secret run`, apart from asking the vault and starting the command: which scope
// and destination, the child's environment, and which warnings apply. Shared by the fast
// path (light/fast-run.ts) and the full CLI (cli/run.ts), so that both run every command
// line the same way.

import { relative } from 'node:path';
import { CONTROL_VARIABLES, type Config } from '../config.js';
import { findApp, type KamalApp } from './app.js';
import { describeScope, scopeChain } from './refs.js';
import { resolveScope, type ScopeOptions } from './scope.js';
import { kamalSecretsFiles, suspectedUnprovided } from './secrets-scan.js';
import { environmentCopy } from './tables.js';

export interface RunArgs {
  command: string[];
  scope: ScopeOptions;
  preserveEnv: boolean;
  quiet: boolean;
}

export interface RunPlan {
  args: RunArgs;
  /** -d/--destination, else the one on the kamal command line */
  destination: string | undefined;
  scope: string;
  /** the scopes whose secrets the command gets, innermost first */
  chain: string[];
  /** the app around the working directory, if any */
  app: KamalApp | null;
}

export function runPlan(args: RunArgs, config: Config, cwd: string): RunPlan {
  const destination = args.scope.destination ?? kamalDestination(args.command);
  const app = findApp(cwd);
  const scope = resolveScope({ ...args.scope, destination }, config, app);
  return { args, destination, scope, chain: scopeChain(scope), app };
}

/**
 * The command's environment: ours, with the vault's values (ours win with --preserve-env),
 * KAMAL_DESTINATION for the destination, and without the variables that steer
 * kamal-secret itself (a passphrase must not reach Kamal, its hooks or docker).
 */
export function childEnvironment(
  inherited: NodeJS.ProcessEnv,
  secrets: Iterable<[string, { value: string }]>,
  plan: RunPlan,
): NodeJS.ProcessEnv {
  const env = environmentCopy(inherited);
  for (const name of CONTROL_VARIABLES) delete env[name];
  for (const [name, { value }] of secrets) if (!(plan.args.preserveEnv && env[name] !== undefined)) env[name] = value;
  if (plan.destination && !env.KAMAL_DESTINATION) env.KAMAL_DESTINATION = plan.destination;
  return env;
}

/**
 * What a cheap look at the secrets files suspects Kamal will read and nobody provides
 * (name → file), when the command is Kamal and warnings are wanted; null when deploy.yml
 * is beyond the cheap look. Only suspects: the dotenv model has the last word.
 */
export function suspectedMissing(plan: RunPlan, env: NodeJS.ProcessEnv): Map<string, string> | null {
  if (plan.args.quiet || !plan.app || !isKamalCommand(plan.args.command)) return new Map();
  const files = kamalSecretsFiles(plan.app, plan.destination);
  return files && suspectedUnprovided(files, env);
}

export function missingNameWarning(name: string, file: string, plan: RunPlan): string {
  const where = plan.app ? relative(plan.app.root, file) : file;
  return `${name}: ${where} reads $${name}, but neither the environment nor the vault (${describeScope(plan.scope)}) has it: Kamal will deploy it empty; fix: kamal-secret set ${name}`;
}

/** `kamal …`, `bin/kamal …` or `bundle exec kamal …`. */
export function isKamalCommand(command: string[]): boolean {
  return /(^|\/)kamal$/.test(command[0] ?? '') || (command[0] === 'bundle' && command[2] === 'kamal');
}

/** `kamal … -d X` / `--destination X` / `--destination=X` names the destination to use. */
export function kamalDestination(command: string[]): string | undefined {
  if (!isKamalCommand(command)) return undefined;
  for (let i = 1; i < command.length; i++) {
    if (command[i] === '-d' || command[i] === '--destination') return command[i + 1];
    const m = /^--destination=(.+)$/.exec(command[i]);
    if (m) return m[1];
  }
  return undefined;
}
