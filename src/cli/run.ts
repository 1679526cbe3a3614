import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Command } from 'commander';
import { UsageError, UserError } from '../errors.js';
import { variablesKamalReads } from '../kamal/env-references.js';
import { findApp } from '../light/app.js';
import { scopeChain } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { warn } from '../term/output.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    program
      .command('run')
      .description('run a command with the secrets visible in the current scope in its environment')
      .option('--preserve-env', "keep variables already in the environment instead of the vault's values")
      .argument('<command...>', 'the command, after --'),
  )
    .passThroughOptions()
    .action(async (command: string[], opts: ScopeOptions & { preserveEnv?: boolean }) => {
      const destination = opts.destination ?? kamalDestination(command);
      const scope = ctx.scope({ ...opts, destination });
      const secrets = await ctx.withSession((s) => s.visible(scopeChain(scope)));
      const env: NodeJS.ProcessEnv = { ...ctx.env };
      for (const [name, { value }] of secrets) if (!(opts.preserveEnv && env[name] !== undefined)) env[name] = value;
      if (destination && !env.KAMAL_DESTINATION) env.KAMAL_DESTINATION = destination;
      for (const name of unresolvedKamalNames(ctx.cwd, env, destination)) {
        warn(
          `${name}: .kamal/secrets reads $${name}, but neither the environment nor the vault (scope ${scope || '(global)'}) has it: Kamal will deploy it empty; fix: kamal-secret set ${name}`,
        );
      }
      process.exitCode = await exec(command, env);
    });
  example(cmd, 'kamal-secret run -- kamal deploy\nkamal-secret run -d production -- kamal deploy -d production');
}

/** `kamal … -d X` / `--destination X` / `--destination=X` names the destination to use. */
function kamalDestination(command: string[]): string | undefined {
  if (!/(^|\/)kamal$/.test(command[0] ?? '') && !(command[0] === 'bundle' && command[2] === 'kamal')) return undefined;
  for (let i = 1; i < command.length; i++) {
    if (command[i] === '-d' || command[i] === '--destination') return command[i + 1];
    const m = /^--destination=(.+)$/.exec(command[i]);
    if (m) return m[1];
  }
  return undefined;
}

/** Names that the secrets files Kamal will read take from the environment, and that no one provides. */
function unresolvedKamalNames(cwd: string, env: NodeJS.ProcessEnv, destination: string | undefined): string[] {
  const app = findApp(cwd);
  if (!app) return [];
  return [
    ...new Set(
      variablesKamalReads(app.root, [destination], env)
        .filter((v) => v.source === 'unset')
        .map((v) => v.name),
    ),
  ];
}

function exec(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (command.length === 0) throw new UsageError('nothing to run: kamal-secret run -- COMMAND');
  return new Promise((resolve, reject) => {
    // Handlers go in before the child exists: a signal that lands while it starts would otherwise
    // kill us with the default action and leave the child running, orphaned.
    let child: ReturnType<typeof spawn> | undefined;
    const early: NodeJS.Signals[] = [];
    const forward = (signal: NodeJS.Signals) => () => (child ? child.kill(signal) : early.push(signal));
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const stopForwarding = () => {
      for (const [s, h] of handlers) process.off(s, h);
    };
    child = spawn(command[0], command.slice(1), { env, stdio: 'inherit' });
    for (const signal of early) child.kill(signal);
    child.on('error', (err: NodeJS.ErrnoException) => {
      stopForwarding();
      reject(
        new UserError(
          err.code === 'ENOENT' ? `${command[0]}: command not found` : `cannot run ${command[0]}: ${err.message}`,
          err.code === 'ENOENT' ? 127 : 126,
        ),
      );
    });
    child.on('exit', (code, signal) => {
      stopForwarding();
      resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 1));
    });
  });
}
