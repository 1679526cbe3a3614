import type { Command } from 'commander';
import { Option } from 'commander';
import { findApp } from '../light/app.js';
import { scopeChain } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { json, out, warn } from '../term/output.js';
import type { Found } from '../vault/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    program
      .command('export')
      .description('print the secrets visible in the current scope (inner scopes win)')
      .addOption(
        new Option('--format <format>', 'output format; gitlab: the variables gitlab sync would create')
          .choices(['dotenv', 'json', 'gitlab'])
          .default('dotenv'),
      ),
  ).action(async (opts: ScopeOptions & { format: string }) => {
    const scope = ctx.scope(opts);
    if (opts.format === 'gitlab')
      return json(await ctx.withSession((s) => variablesToSend(s, scope, findApp(ctx.cwd)?.root ?? null)));
    const secrets = await ctx.withSession((s) => s.visible(scopeChain(scope)));
    if (opts.format === 'json') return json(valuesOf(secrets));
    for (const [name, { value }] of secrets) {
      if (!dotenvPortable(value))
        warn(
          `${name}: its value holds a single quote and one of \\ " $, which no dotenv quoting keeps for both readers: the dotenv gem (Kamal, dotenv -f) reads this line back as is, Node's dotenv (and kamal-secret import) does not; use --format json for an exact copy`,
        );
      out(`${name}=${dotenvQuote(value)}`);
    }
  });
  example(cmd, 'kamal-secret export --format json -d production\nkamal-secret export --format gitlab > variables.json');
}

export const valuesOf = (secrets: Map<string, Found>) =>
  Object.fromEntries([...secrets].map(([name, f]) => [name, f.value]));

/**
 * Quote a value for a .env file: single quotes (literal in both the dotenv gem and
 * Node's dotenv) when it has none, else double quotes with `\`, `"` and `$` escaped,
 * as the dotenv gem reads them; Node's dotenv keeps such escapes (see dotenvPortable).
 */
export function dotenvQuote(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** Whether dotenvQuote's line reads back the same in the dotenv gem and in Node's dotenv. */
export const dotenvPortable = (value: string) => !value.includes("'") || !/[\\"$]/.test(value);

/** For --format gitlab: what a first sync would send; skipped values are named on stderr. */
async function variablesToSend(
  session: VaultSession,
  scope: string,
  appRoot: string | null,
): Promise<Record<string, unknown>[]> {
  const { variablesToSend: plan } = await import('../gitlab/sync.js');
  const { send, skipped } = await plan(session, scope, appRoot);
  for (const i of skipped) warn(`${i.key} (scope ${i.environment_scope}) left out: ${i.reason}`);
  return send;
}
