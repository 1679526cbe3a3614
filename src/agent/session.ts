// A VaultSession served by the agent, and the client side of starting and unlocking it.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LockedError, UserError } from '../errors.js';
import { NEW_PASSPHRASE_ENV, PASSPHRASE_ENV } from '../keychain/passphrase.js';
import { askPassphrase } from '../keychain/unlock.js';
import type { Found, Listed, Mutation, MutationResult } from '../vault/secrets.js';
import type { VaultSession } from '../vault/session.js';
import { VERSION } from '../version.js';
import { AgentUnavailable, agentStatus, ping, request } from './client.js';
import { agentLogPath } from './log.js';
import { prepareSocketDir } from './paths.js';
import type { Reply, Request, Status } from './protocol.js';

const BIN = fileURLToPath(new URL('../../bin/kamal-secret.js', import.meta.url));
const START_TIMEOUT_MS = 10_000;

export class AgentSession implements VaultSession {
  constructor(readonly socket: string) {}

  async call<T = Record<string, unknown>>(req: Request): Promise<T> {
    let reply: Reply;
    try {
      reply = await request(this.socket, req);
    } catch (err) {
      if (err instanceof AgentUnavailable)
        throw new UserError(`the agent at ${this.socket} stopped answering (${err.message}); run the command again`);
      throw err;
    }
    if (reply.ok) return reply as T;
    if (reply.code === 'locked') throw new LockedError();
    throw new UserError(reply.error, reply.exit ?? 1);
  }

  async lookup(name: string, chain: string[]) {
    return (await this.call<{ found: Found | null }>({ op: 'get', name, chain })).found;
  }

  async visible(chain: string[]) {
    return new Map((await this.call<{ secrets: [string, Found][] }>({ op: 'visible', chain })).secrets);
  }

  async list() {
    return (await this.call<{ entries: Listed[] }>({ op: 'list' })).entries;
  }

  async mutate(mutation: Mutation) {
    return (await this.call<{ result: MutationResult }>({ op: 'mutate', mutation })).result;
  }

  async rewrap(passphrase: string) {
    await this.call({ op: 'rewrap', passphrase });
  }

  status() {
    return this.call<Status>({ op: 'status' });
  }

  /** Unlock with the passphrase from the environment or the terminal; exit 3 when neither exists. */
  async unlockWithPassphrase(vaultPath: string): Promise<void> {
    await this.call({ op: 'unlock', passphrase: await askPassphrase(vaultPath) });
  }

  /**
   * Make sure the agent holds the key. An agent tries the keychain when it starts;
   * `retryKeychain` (the unlock command) asks it to try again before the passphrase.
   */
  async ensureUnlocked(vaultPath: string, { retryKeychain = false } = {}): Promise<void> {
    if (!(await this.status()).locked) return;
    if (retryKeychain) {
      try {
        await this.call({ op: 'unlock' });
        return;
      } catch (err) {
        if (!(err instanceof LockedError)) throw err;
      }
    }
    await this.unlockWithPassphrase(vaultPath);
  }

  close() {}
}

/** Connect to the agent for `vaultPath`, starting one (detached) when none answers. */
export async function ensureAgent(vaultPath: string, socket: string): Promise<AgentSession> {
  prepareSocketDir(socket);
  const running = await agentStatus(socket);
  if (running?.version === VERSION) return new AgentSession(socket);
  if (running) await stopOutdated(socket);
  await startDetached(vaultPath, socket);
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

export async function startDetached(
  vaultPath: string,
  socket: string,
  times?: { ttl: string; maxTtl: string },
): Promise<void> {
  const log = fs.openSync(agentLogPath(vaultPath), 'a', 0o600);
  const env = { ...process.env };
  if (times) Object.assign(env, { KAMAL_SECRET_AGENT_TTL: times.ttl, KAMAL_SECRET_AGENT_MAX_TTL: times.maxTtl });
  // The agent unlocks from the keychain or from an explicit `unlock`, never from our environment.
  delete env[PASSPHRASE_ENV];
  delete env[NEW_PASSPHRASE_ENV];
  const child = spawn(process.execPath, [BIN, 'agent'], { detached: true, stdio: ['ignore', log, log], env });
  child.unref();
  fs.closeSync(log);
  if (await waitUntil(() => ping(socket))) return;
  throw new UserError(
    `the agent did not start within ${START_TIMEOUT_MS / 1000} s; see ${agentLogPath(vaultPath)}, or set KAMAL_SECRET_NO_AGENT=1 to work without it`,
  );
}
