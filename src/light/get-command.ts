// `kamal-secret get`, apart from asking the vault: what the arguments mean and what is
// printed. Shared by the fast path (light/fast-get.ts) and the full CLI, so that both
// answer every command line the same way.

import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import type { KamalApp } from './app.js';
import { type GetArgs, parseGetArgs } from './get-args.js';
import { commandLineRef, describeScope, formatRef, parseRef, type Ref, scopeChain } from './refs.js';
import { resolveScope } from './scope.js';
import { type StoredValue, textOf, valueBytes } from './secret-value.js';
import { kamalValueRisks } from './value-risks.js';

export interface GetRequest {
  args: GetArgs;
  ref: Ref;
  /** the scopes searched, innermost first */
  chain: string[];
  /** the app around the working directory, if any */
  app: KamalApp | null;
}

/** `app`: the app around the working directory (findApp), if any. */
export function getRequest(argv: string[], config: Config, app: KamalApp | null): GetRequest {
  const args = parseGetArgs(argv);
  const ref = parseRef(args.ref, resolveScope(args.scope, config, app));
  return { args, ref, chain: scopeChain(ref.scope), app };
}

export function notFound(name: string, chain: string[]): UserError {
  const searched = chain.map((scope) => (scope ? formatRef({ scope, name }) : `${name} (global)`)).join(', ');
  const where = chain.length === 1 ? ` in ${describeScope(chain[0])}` : `; searched ${searched}`;
  return new UserError(`${name} not found${where}`, {
    code: 'not_found',
    fix: `add it with: kamal-secret set ${commandLineRef({ scope: chain[0], name })}`,
  });
}

/**
 * The value as get prints it: text as is with -n, else with one newline; binary data
 * byte for byte, never followed by a newline; or the JSON object (binary data as
 * `value_base64`).
 */
export function getOutput(req: GetRequest, found: { ref: string } & StoredValue): string | Buffer {
  const text = textOf(found);
  if (req.args.json) {
    const slash = found.ref.lastIndexOf('/');
    const scope = slash === -1 ? '' : found.ref.slice(0, slash);
    const value = text === null ? { value_base64: valueBytes(found).toString('base64') } : { value: text };
    return `${JSON.stringify({ ref: found.ref, scope, name: req.ref.name, ...value })}\n`;
  }
  if (text === null) return valueBytes(found);
  return req.args.noNewline ? text : `${text}\n`;
}

/**
 * When Kamal captures our stdout (no terminal), a `$` in the value may be expanded by dotenv 3.2.
 * Whether stdout is a terminal is asked only of a value at risk: on /dev/null, a character
 * device, the answer costs loading node:tty (stdio.ts).
 */
export function kamalAlterationWarning(
  ref: string,
  value: string | undefined,
  stdoutIsTerminal: () => boolean,
): string | null {
  if (value === undefined) return null;
  const risk = kamalValueRisks(value).find((r) => r.code === 'dollar' || r.code === 'command-text');
  return risk && !stdoutIsTerminal()
    ? `kamal-secret: warning: ${ref} contains "$", which Kamal's dotenv 3.2 expands in $(…) output; use env mode instead: NAME=$NAME in .kamal/secrets and kamal-secret run -- kamal deploy`
    : null;
}
