// Noticing a vault that went back in time (an older copy, or vault.json.bak, put in its
// place). Every write stores a write count inside the sealed payload; this machine
// remembers the highest count it has opened or written, for each vault, in a small
// file beside it (`vault.json.seen`: {"vault_id", "write_count"}). Opening a vault
// whose count is lower gives a warning, never a failure: reads go on, and the next
// write carries on from the highest count, which ends the warning.
//
// The record is a detector, not a defence: whoever can replace the vault can replace
// this file too. It catches restores and sync mishaps, which is what it is for.

import fs from 'node:fs';
import { writeAtomic } from './atomic-file.js';
import type { Payload } from './format.js';

export const seenPathOf = (vaultPath: string) => `${vaultPath}.seen`;

interface Seen {
  vault_id: string;
  write_count: number;
}

function readSeen(vaultPath: string, vaultId: string): number {
  try {
    const seen = JSON.parse(fs.readFileSync(seenPathOf(vaultPath), 'utf8')) as Seen;
    return seen.vault_id === vaultId && Number.isSafeInteger(seen.write_count) ? seen.write_count : 0;
  } catch {
    return 0; // none yet, or unreadable: nothing to compare with
  }
}

/**
 * Compare an opened vault's write count with the highest one seen here: remember it
 * when it is higher, and return a warning when it is lower.
 */
export function noteWriteCount(vaultPath: string, vaultId: string, payload: Payload): string | null {
  const count = payload.write_count ?? 0;
  const seen = readSeen(vaultPath, vaultId);
  if (count < seen) {
    return `the vault ${vaultPath} went back in time: it holds write ${count}, and this machine has seen write ${seen} of it (was an older copy or ${vaultPath}.bak put in its place?); the next write carries on from write ${seen}`;
  }
  if (count > seen) recordWriteCount(vaultPath, vaultId, count);
  return null;
}

/** The count the next write of this vault stores: past both the vault's and the highest seen. */
export function nextWriteCount(vaultPath: string, vaultId: string, payload: Payload): number {
  return Math.max(payload.write_count ?? 0, readSeen(vaultPath, vaultId)) + 1;
}

export function recordWriteCount(vaultPath: string, vaultId: string, count: number): void {
  try {
    writeAtomic(seenPathOf(vaultPath), `${JSON.stringify({ vault_id: vaultId, write_count: count } satisfies Seen)}\n`);
  } catch {
    // Best effort: a record that cannot be written (a full disk) must not fail the read
    // or the write that was made; the next one that can write records it.
  }
}
