import type { Command } from 'commander';
import { kamalFetchOutput } from '../kamal/kamal-inline.js';
import { parseRef, scopeChain } from '../vault/refs.js';
import { notFound } from './get-output.js';
import { example, scopeOptions } from './options.js';
import { out } from './output.js';
import { resolveScope, type ScopeOptions } from './scope.js';
import { withSession } from './session.js';

export function register(program: Command): void {
  const cmd = scopeOptions(
    program
      .command('fetch')
      .description(
        'print secrets as the shell-escaped JSON of `kamal secrets fetch --inline`, for `kamal secrets extract`',
      )
      .argument('<names...>', 'secret names'),
  ).action(async (names: string[], opts: ScopeOptions) => {
    const scope = resolveScope(opts);
    const values: Record<string, string> = {};
    await withSession(async (s) => {
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
