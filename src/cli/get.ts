import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { kamalValueRisks } from '../kamal/value-risks.js';
import { describeScope, formatRef, parseRef, scopeChain } from '../vault/refs.js';
import { example, scopeOptions } from './options.js';
import { warn } from './output.js';
import { resolveScope, type ScopeOptions } from './scope.js';
import { withSession } from './session.js';

export function register(program: Command): void {
  const cmd = scopeOptions(
    program
      .command('get')
      .description('print a secret\'s value, searching APP/DEST, then APP, then the global scope')
      .argument('<ref>', 'NAME, APP/NAME or APP/DESTINATION/NAME'),
  ).action(async (refText: string, opts: ScopeOptions) => {
    const ref = parseRef(refText, resolveScope(opts));
    const chain = scopeChain(ref.scope);
    const found = await withSession((s) => s.lookup(ref.name, chain));
    if (!found) throw notFound(ref.name, chain);
    process.stdout.write(`${found.value}\n`);
    warnIfKamalAlters(found.ref, found.value);
  });
  example(cmd, 'kamal-secret get RAILS_MASTER_KEY\n# in .kamal/secrets:  RAILS_MASTER_KEY=$(kamal-secret get RAILS_MASTER_KEY)');
}

export function notFound(name: string, chain: string[]): UserError {
  const searched = chain.map((scope) => formatRef({ scope, name })).join(', ');
  return new UserError(`${name} not found; searched ${searched}${chain.length === 1 ? ` (${describeScope(chain[0])})` : ''}; add it with: kamal-secret set ${formatRef({ scope: chain[0], name })}`);
}

/** When Kamal captures our stdout, a `$` in the value may be expanded by dotenv 3.2. */
export function warnIfKamalAlters(ref: string, value: string): void {
  if (process.stdout.isTTY) return;
  const risk = kamalValueRisks(value).find((r) => r.code === 'dollar' || r.code === 'command-text');
  if (risk) warn(`${ref} contains "$", which Kamal's dotenv 3.2 expands in $(…) output; use env mode instead: NAME=$NAME in .kamal/secrets and kamal-secret run -- kamal deploy`);
}
