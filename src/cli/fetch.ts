import type { Command } from 'commander';
import { kamalFetchOutput } from '../kamal/kamal-secrets-command.js';
import { notFound } from '../light/get-command.js';
import { parseRef, scopeChain } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { table } from '../light/tables.js';
import { out } from '../term/output.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    program
      .command('fetch')
      .description(
        'print secrets as the shell-escaped JSON of `kamal secrets fetch --inline`, for `kamal secrets extract`',
      )
      .argument(
        '<names...>',
        'secret names: NAME (looked up outwards from the scope), :NAME (global) or APP[/DEST]/NAME',
      ),
  ).action(async (names: string[], opts: ScopeOptions) => {
    const scope = ctx.scope(opts);
    const values: Record<string, string> = table();
    await ctx.withSession(async (s) => {
      for (const text of names) {
        const ref = parseRef(text, scope);
        const found = await s.lookup(ref.name, scopeChain(ref.scope));
        if (!found) throw notFound(ref.name, scopeChain(ref.scope));
        values[ref.name] = found.value;
      }
    });
    out(kamalFetchOutput(values));
  });
  example(
    cmd,
    '# in .kamal/secrets:\nSECRETS=$(kamal-secret fetch RAILS_MASTER_KEY DATABASE_URL)\nRAILS_MASTER_KEY=$(kamal secrets extract RAILS_MASTER_KEY ${SECRETS})',
  );
}
