// Starting the agent on demand (detached, like gpg-agent), replacing one left running
// by another version, and refusing to start a second one beside an agent that holds
// its socket but does not answer.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import { probeAgent, request } from '../light/agent-client.js';
import { VERSION } from '../version.js';
import { AgentSession } from './agent-session.js';
import { agentEnvironment, withoutCoreDumps } from './hygiene.js';
import { lockHolder } from './instance-lock.js';
import { agentLogPath } from './log.js';
import { type AgentTimes, ALREADY_RUNNING_EXIT, parseDuration } from './main.js';
import { prepareSocketDir } from './paths.js';

const BIN = fileURLToPath(new URL('../../bin/kamal-secret.js', import.meta.url));
const START_TIMEOUT_MS = 10_000;

/**
 * Connect to the agent for the configured vault, starting one (detached) when none
 * answers. `started` says whether this call started it.
 */
export async function ensureAgent(
  config: Config,
  env: NodeJS.ProcessEnv,
): Promise<{ session: AgentSession; started: boolean }> {
  const socket = config.agentSocket;
  prepareSocketDir(socket);
  const probe = await probeAgent(socket);
  const session = new AgentSession(socket, config.keychainTimeoutMs);
  if (probe.state === 'silent') throw notAnswering(socket, probe.why);
  if (probe.state === 'answering') {
    if (probe.status.version === VERSION) return { session, started: false };
    await stopAgent(socket); // left running by another version (an upgrade): ours serves
  }
  await startDetached(config, env);
  return { session, started: true };
}

/** An agent that holds the socket but does not answer: a second one must not take its place. */
export function notAnswering(socket: string, why: string): UserError {
  const pid = lockHolder(socket);
  return new UserError(
    `the agent on ${socket}${pid ? ` (pid ${pid})` : ''} does not answer (${why}): it may be stopped or stuck`,
    {
      code: 'agent_unavailable',
      fix: pid
        ? `resume it (kill -CONT ${pid}) or end it (kill ${pid}), then run the command again`
        : 'end it, then run the command again',
    },
  );
}

/** Ask the agent to stop, and wait until it is gone (its socket with it). */
export async function stopAgent(socket: string): Promise<void> {
  await request(socket, { op: 'stop' }).catch(() => null);
  await waitUntil(async () => (await probeAgent(socket)).state === 'absent');
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

/**
 * Start `kamal-secret agent` in the background for the configured vault and socket, and
 * wait until an agent answers: ours, or one that a concurrent command started first
 * (ours then finds the socket taken and exits).
 */
export async function startDetached(
  config: Config,
  env: NodeJS.ProcessEnv,
  times: AgentTimes = { ttl: config.agentTtl, maxTtl: config.agentMaxTtl },
): Promise<void> {
  parseDuration(times.ttl, 'KAMAL_SECRET_AGENT_TTL');
  parseDuration(times.maxTtl, 'KAMAL_SECRET_AGENT_MAX_TTL');
  const { vaultPath, agentSocket: socket } = config;
  const log = fs.openSync(agentLogPath(vaultPath), 'a', 0o600);
  const agentEnv = agentEnvironment(env, {
    KAMAL_SECRET_VAULT: vaultPath,
    KAMAL_SECRET_AGENT_SOCK: socket,
    KAMAL_SECRET_AGENT_TTL: times.ttl,
    KAMAL_SECRET_AGENT_MAX_TTL: times.maxTtl,
  });
  const [command, args] = withoutCoreDumps([process.execPath, BIN, 'agent']);
  const child = spawn(command, args, { cwd: '/', detached: true, stdio: ['ignore', log, log], env: agentEnv });
  let exit: number | null = null;
  child.on('exit', (code) => {
    exit = code ?? 1; // killed by a signal: it did not start
  });
  child.unref();
  fs.closeSync(log);
  let failure: UserError | null = null;
  const answered = await waitUntil(async () => {
    const probe = await probeAgent(socket);
    if (probe.state === 'answering') return true;
    if (probe.state === 'silent') failure = notAnswering(socket, probe.why);
    else if (exit !== null && exit !== ALREADY_RUNNING_EXIT)
      failure = new UserError(`the agent could not start: ${lastLine(agentLogPath(vaultPath)) ?? `exit ${exit}`}`, {
        code: 'agent_unavailable',
      });
    return failure !== null;
  });
  if (answered && !failure) return;
  throw failure ?? notAnswering(socket, `nothing answered within ${START_TIMEOUT_MS / 1000} s`);
}

/** The last line of the agent's log: a failed start's one-line reason (the log never holds a value). */
function lastLine(file: string): string | null {
  try {
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines[lines.length - 1].replace(/^kamal-secret: /, '') || null;
  } catch {
    return null;
  }
}
