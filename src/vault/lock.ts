// An advisory lock file next to the vault, created with O_EXCL and holding the
// owner's pid. A lock whose owner is dead (a process killed mid-write) is broken.

import fs from 'node:fs';
import { UserError } from '../errors.js';

const RETRY_MS = 15;

export async function withLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  await acquire(lockPath, timeoutMs);
  try {
    return await fn();
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (ownerIsDead(lockPath)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `the vault is locked by another kamal-secret process (${lockPath}); if none is running, remove that file`,
      );
    }
    await new Promise((r) => setTimeout(r, RETRY_MS + Math.random() * RETRY_MS));
  }
}

function ownerIsDead(lockPath: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
  } catch {
    return false; // vanished or unreadable: just retry
  }
  if (!Number.isInteger(pid) || pid <= 0) {
    // A lock file without a pid is one being written right now, or a torn one from a
    // crash; only the latter stays that way, so judge it by its age.
    try {
      return Date.now() - fs.statSync(lockPath).mtimeMs > 2_000;
    } catch {
      return false;
    }
  }
  return !processIsAlive(pid);
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
