import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { readDeployConfig, secretsFiles } from '../kamal/deploy-config.js';
import { variablesKamalReads } from '../kamal/env-references.js';
import { runForwardingSignals } from '../light/child-process.js';
import {
  childEnvironment,
  missingNameWarning,
  type RunArgs,
  type RunPlan,
  runPlan,
  suspectedMissing,
} from '../light/run-command.js';
import type { ScopeOptions } from '../light/scope.js';
import { suspectedUnprovided } from '../light/secrets-scan.js';
import { warn } from '../term/output.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  // The fast path (light/fast-run.ts) reads these options with light/run-args.ts; a test
  // holds it to what commander makes of them here.
  const cmd = scopeOptions(
    program
      .command('run')
      .description('run a command with the secrets visible in the current scope in its environment')
      .option('--preserve-env', "keep variables already in the environment instead of the vault's values")
      .option('-q, --quiet', 'no warnings (about names Kamal will read that nobody provides)')
      .argument('<command...>', 'the command, after --'),
  )
    .passThroughOptions()
    .action(async (command: string[], opts: ScopeOptions & { preserveEnv?: boolean; quiet?: boolean }) => {
      if (command.length === 0) throw new UsageError('nothing to run: kamal-secret run -- COMMAND');
      const { preserveEnv, quiet, ...scope } = opts;
      const args: RunArgs = { command, scope, preserveEnv: Boolean(preserveEnv), quiet: Boolean(quiet) };
      const plan = runPlan(args, ctx.config, ctx.cwd);
      const secrets = await ctx.withSession((s) => s.visible(plan.chain));
      const env = childEnvironment(ctx.env, secrets, plan);
      for (const warning of missingNameWarnings(plan, env)) warn(warning);
      process.exitCode = await runForwardingSignals(command, env);
    });
  example(cmd, 'kamal-secret run -- kamal deploy\nkamal-secret run -d production -- kamal deploy -d production');
}

/** The names a cheap look suspects Kamal will miss, and that the dotenv model confirms. */
function missingNameWarnings(plan: RunPlan, env: NodeJS.ProcessEnv): string[] {
  const app = plan.app;
  const suspects = suspectedMissing(plan, env) ?? suspectedUnprovided(secretsFilesFromYaml(plan), env);
  if (!app || suspects.size === 0) return [];
  const unset = new Set(
    variablesKamalReads(app.root, [plan.destination], env)
      .filter((v) => v.source === 'unset')
      .map((v) => v.name),
  );
  return [...suspects].filter(([name]) => unset.has(name)).map(([name, file]) => missingNameWarning(name, file, plan));
}

/** The secrets files as the YAML parser reads deploy.yml (for what the cheap look cannot read); none when it cannot. */
function secretsFilesFromYaml(plan: RunPlan): string[] {
  if (!plan.app) return [];
  try {
    return secretsFiles(readDeployConfig(plan.app.root, plan.destination), plan.destination);
  } catch {
    return [];
  }
}
