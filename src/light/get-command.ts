// `kamal-secret get`, apart from asking the vault: what the arguments mean and what is
// printed. Shared by the fast path (light/fast-get.ts) and the full CLI, so that both
// answer every command line the same way.

import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import { type GetArgs, parseGetArgs } from './get-args.js';
import { commandLineRef, describeScope, formatRef, parseRef, type Ref, scopeChain } from './refs.js';
import { resolveScope } from './scope.js';
import { kamalValueRisks } from './value-risks.js';

export interface GetRequest {
  args: GetArgs;
  ref: Ref;
  /** the scopes searched, innermost first */
  chain: string[];
}

export function getRequest(argv: string[], config: Config, cwd: string): GetRequest {
  const args = parseGetArgs(argv);
  const ref = parseRef(args.ref, resolveScope(args.scope, config, cwd));
  return { args, ref, chain: scopeChain(ref.scope) };
}

export function notFound(name: string, chain: string[]): UserError {
  const searched = chain.map((scope) => (scope ? formatRef({ scope, name }) : `${name} (global)`)).join(', ');
  const where = chain.length === 1 ? ` in ${describeScope(chain[0])}` : `; searched ${searched}`;
  return new UserError(`${name} not found${where}`, {
    code: 'not_found',
    fix: `add it with: kamal-secret set ${commandLineRef({ scope: chain[0], name })}`,
  });
}

/** The value as get prints it: as is with -n, else with one newline; or the JSON object. */
export function getOutput(req: GetRequest, found: { ref: string; value: string }): string {
  if (req.args.json) {
    const slash = found.ref.lastIndexOf('/');
    const scope = slash === -1 ? '' : found.ref.slice(0, slash);
    return `${JSON.stringify({ ref: found.ref, scope, name: req.ref.name, value: found.value })}\n`;
  }
  return req.args.noNewline ? found.value : `${found.value}\n`;
}

/** When Kamal captures our stdout (no terminal), a `$` in the value may be expanded by dotenv 3.2. */
export function kamalAlterationWarning(ref: string, value: string, stdoutIsTerminal: boolean): string | null {
  if (stdoutIsTerminal) return null;
  const risk = kamalValueRisks(value).find((r) => r.code === 'dollar' || r.code === 'command-text');
  return risk
    ? `kamal-secret: warning: ${ref} contains "$", which Kamal's dotenv 3.2 expands in $(…) output; use env mode instead: NAME=$NAME in .kamal/secrets and kamal-secret run -- kamal deploy`
    : null;
}
