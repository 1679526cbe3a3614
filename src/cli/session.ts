// Opening the vault for a command: through the agent (started on demand), or in
// this process with KAMAL_SECRET_NO_AGENT=1. Commands get a VaultSession and never care which.

import { socketPath } from '../agent/paths.js';
import { ensureAgent } from '../agent/session.js';
import { unlockInProcess } from '../keychain/unlock.js';
import { vaultPath } from '../vault/paths.js';
import { LocalSession, type VaultSession } from '../vault/session.js';
import { readVaultFile } from '../vault/store.js';

export const agentDisabled = () => process.env.KAMAL_SECRET_NO_AGENT === '1';

export async function openSession(): Promise<VaultSession> {
  const path = vaultPath();
  const header = readVaultFile(path).header; // exists, permissions, format: before any agent is started
  if (agentDisabled()) return new LocalSession(path, (await unlockInProcess(path, header)).key);
  const session = await ensureAgent(path, socketPath());
  await session.ensureUnlocked(path);
  return session;
}

export async function withSession<T>(fn: (s: VaultSession) => Promise<T>): Promise<T> {
  const session = await openSession();
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}
