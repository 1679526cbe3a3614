// `kamal-secret get` when an unlocked agent answers: node built-ins and a few small
// modules only (no commander, libsodium or YAML parser, not even process.stdout), so a
// `$(kamal-secret get X)` line costs little more than starting Node. Anything unusual
// returns false before printing a word, and the full CLI takes over (it starts the agent,
// prompts, prints help, reports errors).

import { readConfig } from '../config.js';
import { request } from './agent-client.js';
import { findApp } from './app.js';
import { type GetRequest, getOutput, getRequest, kamalAlterationWarning, notFound } from './get-command.js';
import { isTerminal, writeFd } from './stdio.js';
import { inAppOf } from './team-place.js';

type Found = { ref: string; value: string } | null;

export async function fastGet(argv: string[]): Promise<boolean> {
  if (argv.includes('-h') || argv.includes('--help')) return false;
  let req: GetRequest;
  let found: Found;
  let warning: unknown;
  try {
    const config = readConfig(process.env);
    if (!config.useAgent) return false;
    req = getRequest(argv, config, findApp(process.cwd()));
    const reply = await request(config.agentSocket, {
      op: 'get',
      name: req.ref.name,
      chain: req.chain,
      ...inAppOf(req.app, req.chain),
    });
    if (!reply.ok) return false;
    found = reply.found as Found;
    warning = reply.warning;
  } catch {
    return false;
  }
  if (typeof warning === 'string') writeFd(2, `kamal-secret: warning: ${warning}\n`);
  if (!found) {
    const err = notFound(req.ref.name, req.chain);
    if (req.args.json) writeFd(1, `${JSON.stringify(err)}\n`);
    writeFd(2, `kamal-secret: ${err.line}\n`);
    process.exitCode = err.exitCode;
    return true;
  }
  writeFd(1, getOutput(req, found));
  const alteration = kamalAlterationWarning(found.ref, found.value, () => isTerminal(1));
  if (alteration) writeFd(2, `${alteration}\n`);
  return true;
}
