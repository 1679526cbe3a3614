// `kamal-secret get` when an unlocked agent answers: node built-ins and a few small
// modules only (no commander, libsodium or YAML parser), so a `$(kamal-secret get X)`
// line costs little more than starting Node. Anything unusual returns false and the
// full CLI takes over (it starts the agent, prompts, prints help, reports errors).

import { request } from '../agent/client.js';
import { socketPath } from '../agent/paths.js';
import { parseRef, scopeChain } from '../vault/refs.js';
import { kamalAlterationWarning, notFound } from './get-output.js';
import { resolveScope, type ScopeOptions } from './scope.js';

export async function fastGet(args: string[]): Promise<boolean> {
  if (process.env.KAMAL_SECRET_NO_AGENT === '1') return false;
  const parsed = parseArgs(args);
  if (!parsed) return false;
  try {
    const ref = parseRef(parsed.ref, resolveScope(parsed.opts));
    const chain = scopeChain(ref.scope);
    const reply = await request(socketPath(), { op: 'get', name: ref.name, chain });
    if (!reply.ok) return false;
    const found = reply.found as { ref: string; value: string } | null;
    if (!found) {
      process.stderr.write(`kamal-secret: ${notFound(ref.name, chain).message}\n`);
      process.exitCode = 1;
      return true;
    }
    process.stdout.write(`${found.value}\n`);
    const warning = kamalAlterationWarning(found.ref, found.value);
    if (warning) process.stderr.write(`${warning}\n`);
    return true;
  } catch {
    return false;
  }
}

/** `REF [--scope S] [-d D | --destination D] [-g | --global]`, or null for anything else. */
function parseArgs(args: string[]): { ref: string; opts: ScopeOptions } | null {
  const opts: ScopeOptions = {};
  let ref: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--scope' || a === '-d' || a === '--destination') {
      if (i + 1 >= args.length) return null;
      if (a === '--scope') opts.scope = args[++i];
      else opts.destination = args[++i];
    } else if (a === '-g' || a === '--global') opts.global = true;
    else if (a.startsWith('-') || ref !== undefined) return null;
    else ref = a;
  }
  return ref === undefined ? null : { ref, opts };
}
