import type { Command } from 'commander';
import { describeScope } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { dim, json, localTime, out, table } from '../term/output.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    program
      .command('list')
      .alias('ls')
      .description(
        "list every secret's reference, scope and last update (never values); with --scope, -g or -d only that scope (an app's with its destinations)",
      )
      .option('--json', 'print JSON: [{"ref","scope","name","updated_at"}] (ISO 8601 times)'),
  ).action(async (opts: ScopeOptions & { json?: boolean }) => {
    const filtered = opts.scope !== undefined || opts.global || opts.destination !== undefined;
    const scope = filtered ? ctx.scope(opts) : undefined;
    const entries = (await ctx.withSession((s) => s.list())).filter(
      (e) => scope === undefined || within(e.scope, scope),
    );
    if (opts.json) return json(entries);
    if (entries.length === 0)
      return out(
        dim(
          scope === undefined
            ? 'the vault is empty; add a secret with: kamal-secret set NAME'
            : `nothing in ${describeScope(scope)}; see: kamal-secret list`,
        ),
      );
    for (const line of table([
      ['REF', 'SCOPE', 'UPDATED'],
      ...entries.map((e) => [e.ref, e.scope || '(global)', localTime(e.updated_at)]),
    ]))
      out(line);
  });
  example(
    cmd,
    'kamal-secret list\nkamal-secret list --scope shop     # the app and its destinations\nkamal-secret list -g --json',
  );
}

/** Whether `entryScope` is `scope` or, for an app, one of its destinations; the global scope is only itself. */
const within = (entryScope: string, scope: string) =>
  entryScope === scope || (scope !== '' && entryScope.startsWith(`${scope}/`));
