// `kamal-secret get` when an unlocked agent answers: node built-ins and a few small
// modules only (no commander, libsodium or YAML parser), so a `$(kamal-secret get X)`
// line costs little more than starting Node. Anything unusual returns false and the
// full CLI takes over (it starts the agent, prompts, prints help, reports errors).

import { readConfig } from '../config.js';
import { request } from './agent-client.js';
import { getOutput, getRequest, kamalAlterationWarning, notFound } from './get-command.js';

export async function fastGet(argv: string[]): Promise<boolean> {
  if (argv.includes('-h') || argv.includes('--help')) return false;
  try {
    const config = readConfig(process.env);
    if (!config.useAgent) return false;
    const req = getRequest(argv, config, process.cwd());
    const reply = await request(config.agentSocket, { op: 'get', name: req.ref.name, chain: req.chain });
    if (!reply.ok) return false;
    if (typeof reply.warning === 'string') process.stderr.write(`kamal-secret: warning: ${reply.warning}\n`);
    const found = reply.found as { ref: string; value: string } | null;
    if (!found) {
      const err = notFound(req.ref.name, req.chain);
      if (req.args.json) process.stdout.write(`${JSON.stringify(err)}\n`);
      process.stderr.write(`kamal-secret: ${err.line}\n`);
      process.exitCode = err.exitCode;
      return true;
    }
    process.stdout.write(getOutput(req, found));
    const warning = kamalAlterationWarning(found.ref, found.value, Boolean(process.stdout.isTTY));
    if (warning) process.stderr.write(`${warning}\n`);
    return true;
  } catch {
    return false;
  }
}
