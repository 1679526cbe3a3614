// Starting the agent on demand (detached, like gpg-agent), and replacing one left running by another version.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { CONTROL_VARIABLES } from '../config.js';
import { UserError } from '../errors.js';
import { agentStatus, ping, request } from '../light/agent-client.js';
import { VERSION } from '../version.js';
import { AgentSession } from './agent-session.js';
import { agentLogPath } from './log.js';
import { prepareSocketDir } from './paths.js';

const BIN = fileURLToPath(new URL('../../bin/kamal-secret.js', import.meta.url));
const START_TIMEOUT_MS = 10_000;

/** Connect to the agent for `vaultPath`, starting one (detached) when none answers. */
export async function ensureAgent(config: Config, env: NodeJS.ProcessEnv): Promise<AgentSession> {
  const socket = config.agentSocket;
  prepareSocketDir(socket);
  const running = await agentStatus(socket);
  if (running?.version === VERSION) return new AgentSession(socket);
  if (running) await stopOutdated(socket);
  await startDetached(config, env);
  return new AgentSession(socket);
}

/** An agent left running by another version (an upgrade): stop it, so that ours serves. */
async function stopOutdated(socket: string): Promise<void> {
  await request(socket, { op: 'stop' }, 2000).catch(() => null);
  await waitUntil(async () => !(await ping(socket)));
}

/** Poll `done` every 20 ms for up to START_TIMEOUT_MS; whether it came true. */
async function waitUntil(done: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/** Start `kamal-secret agent` in the background for the configured vault and socket, and wait until it answers. */
export async function startDetached(
  config: Config,
  env: NodeJS.ProcessEnv,
  times?: { ttl: string; maxTtl: string },
): Promise<void> {
  const { vaultPath, agentSocket: socket } = config;
  const log = fs.openSync(agentLogPath(vaultPath), 'a', 0o600);
  const agentEnv: NodeJS.ProcessEnv = { ...env, KAMAL_SECRET_VAULT: vaultPath, KAMAL_SECRET_AGENT_SOCK: socket };
  if (times) Object.assign(agentEnv, { KAMAL_SECRET_AGENT_TTL: times.ttl, KAMAL_SECRET_AGENT_MAX_TTL: times.maxTtl });
  // The agent unlocks from the keychain or from an explicit `unlock`, never from our environment.
  for (const name of CONTROL_VARIABLES) if (name.includes('PASSPHRASE')) delete agentEnv[name];
  const child = spawn(process.execPath, [BIN, 'agent'], { detached: true, stdio: ['ignore', log, log], env: agentEnv });
  child.unref();
  fs.closeSync(log);
  if (await waitUntil(() => ping(socket))) return;
  throw new UserError(
    `the agent did not start within ${START_TIMEOUT_MS / 1000} s; see ${agentLogPath(vaultPath)}, or set KAMAL_SECRET_NO_AGENT=1 to work without it`,
  );
}
