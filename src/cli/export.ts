import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import type { Selection } from '../gitlab/sync.js';
import { scopeChain } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { json, out, warn } from '../term/output.js';
import type { Found } from '../vault/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { CliContext } from './context.js';
import { type SelectionFlags, selection, selectionOptions } from './gitlab-selection.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    selectionOptions(
      program
        .command('export')
        .description('print the secrets visible in the current scope (inner scopes win)')
        .addOption(
          new Option(
            '--format <format>',
            'output format; gitlab: the variables a first gitlab sync with the same options would create',
          )
            .choices(['dotenv', 'json', 'gitlab'])
            .default('dotenv'),
        ),
    ),
  ).action(async (opts: ScopeOptions & SelectionFlags & { format: string }) => {
    const scope = ctx.scope(opts);
    const chosen = selection(opts);
    if (opts.format === 'gitlab')
      return json(await ctx.withSession((s) => variablesToSend(s, scope, ctx.app?.root ?? null, chosen)));
    const given = selectionGiven(cmd);
    if (given) throw new UsageError(`${given} applies to --format gitlab only`);
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

/** The first gitlab-only option given on the command line, if any. */
function selectionGiven(cmd: Command): string | undefined {
  const names = ['environmentScope', 'protected', 'hidden', 'allowUnmasked', 'type', 'gitlabVersionCompat'];
  const given = names.find((n) => cmd.getOptionValueSource(n) === 'cli');
  return given && `--${given.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** For --format gitlab: what a first sync would send; skipped values are named on stderr. */
async function variablesToSend(
  session: VaultSession,
  scope: string,
  appRoot: string | null,
  chosen: Selection,
): Promise<Record<string, unknown>[]> {
  const { variablesToSend: plan } = await import('../gitlab/sync.js');
  const { send, skipped } = await plan(session, scope, appRoot, chosen);
  for (const i of skipped) warn(`${i.key} (scope ${i.environment_scope}) left out: ${i.reason}`);
  return send;
}
