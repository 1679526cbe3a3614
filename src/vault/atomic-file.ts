// Files replaced whole: written to a temp file beside the target (every byte, fsynced,
// its length checked), then renamed over it, and the directory fsynced. A crash leaves
// the old file or the new one; a refusal (a full disk) leaves the old one and says so.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { backupPathOf } from '../light/paths.js';
import { processIsAlive } from './lock.js';

/**
 * Replace `target` with `data`: written whole to a temp file in the same directory,
 * fsynced and checked for its length before the rename, so a full disk or a short
 * write never replaces a good file with a truncated one. A refusal is one UserError;
 * the temp file is removed and `target` is left as it was.
 */
export function writeAtomic(target: string, data: string | Uint8Array, { keepBackup = false } = {}): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const tmp = tempPathFor(target);
  try {
    writeWhole(tmp, bytes);
    if (keepBackup && fs.existsSync(target)) keepPrevious(target);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw writeRefused(target, err);
  }
  fsyncDir(path.dirname(target));
}

function writeWhole(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    for (let done = 0; done < bytes.length; ) {
      const n = fs.writeSync(fd, bytes, done, bytes.length - done);
      if (n <= 0) throw new ShortWrite(`only ${done} of ${bytes.length} bytes could be written`);
      done += n;
    }
    fs.fsyncSync(fd);
    const size = fs.fstatSync(fd).size;
    if (size !== bytes.length) throw new ShortWrite(`it holds ${size} of the ${bytes.length} bytes written`);
  } finally {
    fs.closeSync(fd);
  }
}

class ShortWrite extends Error {}

const WRITE_REFUSALS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'an input/output error',
};

function writeRefused(target: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const why = err instanceof ShortWrite ? `the write came up short (${err.message})` : code && WRITE_REFUSALS[code];
  if (!why && !code) return err; // not the system's refusal: a bug, keep its stack
  return new UserError(`cannot write ${target}: ${why || (err as Error).message}; it was left as it was`, {
    code: 'system',
    fix: code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space and run the command again' : undefined,
  });
}

/** `.NAME.PID.RANDOM.tmp` beside `target`: hidden, and telling whose it is. */
function tempPathFor(target: string): string {
  const name = `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  return path.join(path.dirname(target), name);
}

/**
 * A writer killed between creating its temp file and renaming it leaves the file
 * behind. Called under the vault's lock, so no live writer is using one; the pid in
 * each name is checked as well. (`vault.json.bak.PID.tmp` is the name 0.1 used.)
 */
export function removeDeadWritersTemps(target: string): void {
  const dir = path.dirname(target);
  const base = path.basename(target);
  for (const name of fs.readdirSync(dir)) {
    const m =
      name.startsWith(`.${base}.`) || name.startsWith(`${base}.bak.`)
        ? /\.(\d+)(?:\.[0-9a-f]+)?\.tmp$/.exec(name)
        : null;
    if (m && !processIsAlive(Number(m[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Point vault.json.bak at the current vault's inode (a hard link, so it costs no copy). */
function keepPrevious(target: string): void {
  const backup = backupPathOf(target);
  const staged = tempPathFor(backup);
  try {
    try {
      fs.linkSync(target, staged);
    } catch {
      fs.copyFileSync(target, staged, fs.constants.COPYFILE_EXCL);
    }
    fs.renameSync(staged, backup);
  } catch (err) {
    fs.rmSync(staged, { force: true });
    throw err;
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
