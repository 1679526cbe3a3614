import type { Command } from 'commander';
import { parseRef, scopeChain } from '../vault/refs.js';
import { kamalAlterationWarning, notFound } from './get-output.js';
import { example, scopeOptions } from './options.js';
import { info } from './output.js';
import { resolveScope, type ScopeOptions } from './scope.js';
import { withSession } from './session.js';

export function register(program: Command): void {
  const cmd = scopeOptions(
    program
      .command('get')
      .description("print a secret's value, searching APP/DEST, then APP, then the global scope")
      .argument('<ref>', 'NAME, APP/NAME or APP/DESTINATION/NAME'),
  ).action(async (refText: string, opts: ScopeOptions) => {
    const ref = parseRef(refText, resolveScope(opts));
    const chain = scopeChain(ref.scope);
    const found = await withSession((s) => s.lookup(ref.name, chain));
    if (!found) throw notFound(ref.name, chain);
    process.stdout.write(`${found.value}\n`);
    const warning = kamalAlterationWarning(found.ref, found.value);
    if (warning) info(warning);
  });
  example(
    cmd,
    'kamal-secret get RAILS_MASTER_KEY\n# in .kamal/secrets:  RAILS_MASTER_KEY=$(kamal-secret get RAILS_MASTER_KEY)',
  );
}
