// What `get` prints besides the value; shared by the full CLI and the fast path.

import { UserError } from '../errors.js';
import { kamalValueRisks } from '../kamal/value-risks.js';
import { describeScope, formatRef } from '../vault/refs.js';

export function notFound(name: string, chain: string[]): UserError {
  const searched = chain.map((scope) => formatRef({ scope, name })).join(', ');
  return new UserError(
    `${name} not found; searched ${searched}${chain.length === 1 ? ` (${describeScope(chain[0])})` : ''}; add it with: kamal-secret set ${formatRef({ scope: chain[0], name })}`,
  );
}

/** When Kamal captures our stdout, a `$` in the value may be expanded by dotenv 3.2. */
export function kamalAlterationWarning(ref: string, value: string): string | null {
  if (process.stdout.isTTY) return null;
  const risk = kamalValueRisks(value).find((r) => r.code === 'dollar' || r.code === 'command-text');
  return risk
    ? `kamal-secret: warning: ${ref} contains "$", which Kamal's dotenv 3.2 expands in $(…) output; use env mode instead: NAME=$NAME in .kamal/secrets and kamal-secret run -- kamal deploy`
    : null;
}
