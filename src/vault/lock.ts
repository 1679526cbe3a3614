// The vault's write lock: a symbolic link next to the vault whose target names its
// owner, `kamal-secret-lock:PID:TOKEN`. symlink(2) creates it at once with its
// content (a lock is never half-written, even on a full disk) and fails when the
// name exists; the random token tells one holder's lock from the next one's.
//
// Who may remove a lock with token T:
// - its owner, on release, after checking that the lock still carries T;
// - a waiter that found T's owner dead, while it holds the guard `LOCK.break-T`
//   (made the same way, and created by one waiter only), after re-reading the lock
//   and finding T still there.
// Nobody removes the lock of a live owner, so neither the owner's check-then-remove
// nor the guard holder's can be interleaved with another change to the same name:
// a second waiter can never remove the lock that the first one has just taken.
// A guard whose owner died in turn is removed the same way, under its own guard.
// No rule depends on timing; a pid reused by an unrelated process only makes a dead
// lock look alive, and the waiter then times out with a message (never a lost write).

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

const RETRY_MS = 15;
const TARGET = /^kamal-secret-lock:(\d+):([0-9a-f]+)$/;

interface Owner {
  pid: number;
  token: string;
}

/** Run `fn` holding the lock at `lockPath`. */
export async function withLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const held = await acquire(lockPath, timeoutMs);
  try {
    return await fn();
  } finally {
    release(lockPath, held);
  }
}

async function acquire(lockPath: string, timeoutMs: number): Promise<Owner> {
  const me: Owner = { pid: process.pid, token: randomBytes(16).toString('hex') };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (create(lockPath, me)) {
      removeDeadGuards(lockPath);
      return me;
    }
    if (removeIfOwnerDead(lockPath)) continue;
    if (Date.now() > deadline) {
      throw new UserError(`the vault is locked by another kamal-secret process (${lockPath})`, {
        fix: 'if none is running, remove that file',
      });
    }
    await new Promise((r) => setTimeout(r, RETRY_MS + Math.random() * RETRY_MS));
  }
}

function release(lockPath: string, held: Owner): void {
  if (tokenOf(lockPath) === held.token) fs.rmSync(lockPath, { force: true });
}

/** Create the lock-like link `p` owned by `owner`; false when `p` exists. */
function create(p: string, owner: Owner): boolean {
  try {
    fs.symlinkSync(`kamal-secret-lock:${owner.pid}:${owner.token}`, p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Who owns the link `p`; `foreign` for anything else there (a file put there by hand). */
function readOwner(p: string): Owner | 'absent' | 'foreign' {
  let target: string;
  try {
    target = fs.readlinkSync(p);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'foreign';
  }
  const m = TARGET.exec(target);
  return m ? { pid: Number(m[1]), token: m[2] } : 'foreign';
}

const tokenOf = (p: string) => {
  const owner = readOwner(p);
  return typeof owner === 'object' ? owner.token : null;
};

const guardPathOf = (lockPath: string, token: string) => `${lockPath}.break-${token}`;

/**
 * Remove the lock-like link `p` (the vault's lock, or a guard) if its owner is dead.
 * True when `p` is gone, removed by this call or by its owner meanwhile.
 */
function removeIfOwnerDead(p: string, lockPath = p): boolean {
  const owner = readOwner(p);
  if (owner === 'absent') return true;
  if (owner === 'foreign' || processIsAlive(owner.pid)) return false;
  const guard = guardPathOf(lockPath, owner.token);
  if (!create(guard, { pid: process.pid, token: randomBytes(16).toString('hex') })) {
    // Another waiter is removing it, or died doing so: then its guard goes first.
    removeIfOwnerDead(guard, lockPath);
    return false;
  }
  try {
    if (tokenOf(p) !== owner.token) return false; // removed meanwhile and taken again
    fs.rmSync(p, { force: true });
    return true;
  } finally {
    fs.rmSync(guard, { force: true }); // ours, and we are alive: nobody else removes it
  }
}

/** Guards left by waiters killed while removing a lock; each is removed under its own guard. */
function removeDeadGuards(lockPath: string): void {
  const prefix = `${path.basename(lockPath)}.break-`;
  const dir = path.dirname(lockPath);
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(prefix)) removeIfOwnerDead(path.join(dir, name), lockPath);
  }
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
