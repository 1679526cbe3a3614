// Opening the vault for a command: through the agent when it runs (or can be
// started), else in this process. Commands get a VaultSession and never care which.

import { readVaultFile } from '../vault/store.js';
import { LocalSession, type VaultSession } from '../vault/session.js';
import { vaultPath } from '../vault/paths.js';
import { unlockInProcess } from '../keychain/unlock.js';

export async function openSession(): Promise<VaultSession> {
  const path = vaultPath();
  const header = readVaultFile(path).header;
  const { key } = await unlockInProcess(path, header);
  return new LocalSession(path, key);
}

export async function withSession<T>(fn: (s: VaultSession) => Promise<T>): Promise<T> {
  const session = await openSession();
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}
