// Opening the vault for a command: through the agent (started on demand), or in this
// process with KAMAL_SECRET_NO_AGENT=1. Commands get a VaultSession and never care which.
// Unlocking follows one policy: the OS keychain first, then the passphrase
// (KAMAL_SECRET_PASSPHRASE or the terminal), else exit 3.

import type { AgentSession } from '../agent/agent-session.js';
import { ensureAgent } from '../agent/launcher.js';
import type { Config } from '../config.js';
import { LockedError } from '../errors.js';
import { LocalSession, type VaultSession } from '../vault/session.js';
import { readVaultFile } from '../vault/store.js';
import { askPassphrase, unlockInProcess } from './passphrase.js';

export async function openSession(config: Config, env: NodeJS.ProcessEnv): Promise<VaultSession> {
  const header = readVaultFile(config.vaultPath).header; // exists, permissions, format: before any agent is started
  if (!config.useAgent) return new LocalSession(config.vaultPath, (await unlockInProcess(config, header)).key);
  const session = await ensureAgent(config, env);
  await unlockAgent(session, config);
  return session;
}

export async function withSession<T>(
  config: Config,
  env: NodeJS.ProcessEnv,
  fn: (s: VaultSession) => Promise<T>,
): Promise<T> {
  const session = await openSession(config, env);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/**
 * Make sure the agent holds the key. An agent tries the keychain when it starts;
 * `retryKeychain` (the unlock command) asks it to try again before the passphrase.
 */
export async function unlockAgent(
  session: AgentSession,
  config: Config,
  { retryKeychain = false } = {},
): Promise<void> {
  if (!(await session.status()).locked) return;
  if (retryKeychain) {
    try {
      await session.call({ op: 'unlock-keychain' });
      return;
    } catch (err) {
      if (!(err instanceof LockedError)) throw err;
    }
  }
  await session.call({ op: 'unlock', passphrase: await askPassphrase(config) });
}
