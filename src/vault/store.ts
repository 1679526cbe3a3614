// The vault on disk: permission checks, reads, and crash-safe writes under a lock.
// A write re-reads the vault under the lock, changes it, writes a temp file in the
// same directory (every byte, fsynced, its length checked), keeps the old file as
// `vault.json.bak`, renames the new one over, and fsyncs the directory. Any crash
// leaves the old or the new vault; a full disk leaves the old one and says so.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { backupPathOf, lockPathOf } from '../light/paths.js';
import { DecryptError, openVault, sealVault } from './crypto.js';
import { FormatError, type Header, type Payload, parse, serialize, type VaultFile } from './format.js';
import { processIsAlive, withLock } from './lock.js';

const notFoundHint = 'run: kamal-secret init (or set KAMAL_SECRET_VAULT to your vault)';

export function vaultExists(vaultPath: string): boolean {
  return fs.existsSync(vaultPath);
}

/**
 * Refuse a vault that someone else owns, that other users could write (its file or its
 * directory) or read (its file), or that is a symbolic link: every write renames a new
 * file over the vault's name, which would silently replace the link with a file.
 */
export function checkPermissions(vaultPath: string): void {
  if (isDirectory(vaultPath)) {
    throw new UserError(
      `the vault path ${vaultPath} is a directory; set KAMAL_SECRET_VAULT to a file in it, like ${path.join(vaultPath, 'vault.json')}`,
    );
  }
  refuseLink(vaultPath);
  const dir = path.dirname(vaultPath);
  for (const [p, kind, mode] of [
    [dir, 'directory', '700'],
    [vaultPath, 'file', '600'],
  ] as const) {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      continue;
    }
    const refuse = (why: string) =>
      new UserError(`refusing the vault ${kind} ${p}: ${why}`, { code: 'vault_permissions' });
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid)
      throw refuse(`it belongs to uid ${st.uid}, not to you; fix: chown ${uid} ${p}`);
    if (st.mode & 0o022) throw refuse(`other users can write it; fix: chmod ${mode} ${p}`);
    if (kind === 'file' && st.mode & 0o044) throw refuse(`other users can read it; fix: chmod ${mode} ${p}`);
  }
}

function refuseLink(vaultPath: string): void {
  let target: string;
  try {
    target = fs.readlinkSync(vaultPath);
  } catch {
    return; // absent, or not a link
  }
  const resolved = path.resolve(path.dirname(vaultPath), target);
  throw new UserError(
    `refusing the vault ${vaultPath}: it is a symbolic link (to ${target}), which the next write would replace with a file`,
    { code: 'vault_permissions', fix: `set KAMAL_SECRET_VAULT=${resolved}` },
  );
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false; // absent, or not reachable: what comes next says which
  }
}

export function readVaultFile(vaultPath: string): VaultFile {
  checkPermissions(vaultPath);
  let text: string;
  try {
    text = fs.readFileSync(vaultPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new UserError(`no vault at ${vaultPath}; ${notFoundHint}`);
    throw new UserError(`cannot read the vault ${vaultPath}: ${(err as Error).message}`);
  }
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof FormatError) throw damaged(vaultPath, err.reason);
    throw err;
  }
}

export async function decryptPayload(vaultPath: string, file: VaultFile, key: Uint8Array): Promise<Payload> {
  try {
    return await openVault(file, key);
  } catch (err) {
    if (err instanceof DecryptError)
      throw damaged(
        vaultPath,
        'its contents fail authentication (a byte was changed, or the key does not belong to this vault)',
      );
    if (err instanceof FormatError) throw damaged(vaultPath, err.reason);
    throw err;
  }
}

function damaged(vaultPath: string, reason: string): UserError {
  return new UserError(
    `the vault ${vaultPath} is damaged: ${reason}; it was left untouched (the previous version, if any, is ${backupPathOf(vaultPath)})`,
  );
}

export function ensureVaultDir(vaultPath: string): void {
  const dir = path.dirname(vaultPath);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UserError(
      `cannot create the vault directory ${dir}: ${why}; set KAMAL_SECRET_VAULT to a path you can write`,
    );
  }
  checkPermissions(vaultPath);
}

/** Write a brand-new vault; refuses when one already exists. */
export async function createVault(vaultPath: string, header: Header, key: Uint8Array, payload: Payload): Promise<void> {
  ensureVaultDir(vaultPath);
  await withLock(lockPathOf(vaultPath), async () => {
    if (vaultExists(vaultPath)) throw new UserError(`a vault already exists at ${vaultPath}; refusing to replace it`);
    removeDeadWritersTemps(vaultPath);
    writeAtomic(vaultPath, serialize(await sealVault(header, key, payload)));
  });
}

export interface Change<T> {
  payload?: Payload;
  header?: Header;
  result: T;
}

/**
 * Read, change and write the vault under its lock. `change` gets the current
 * payload and header; what it returns is sealed with a fresh nonce and written.
 * When it returns neither a payload nor a header, nothing is written.
 */
export async function updateVault<T>(
  vaultPath: string,
  key: Uint8Array,
  change: (payload: Payload, header: Header) => Change<T> | Promise<Change<T>>,
): Promise<T> {
  checkPermissions(vaultPath);
  return withLock(lockPathOf(vaultPath), async () => {
    const file = readVaultFile(vaultPath);
    const payload = await decryptPayload(vaultPath, file, key);
    const next = await change(payload, file.header);
    if (next.payload || next.header) {
      removeDeadWritersTemps(vaultPath);
      const sealed = await sealVault(next.header ?? file.header, key, next.payload ?? payload);
      writeAtomic(vaultPath, serialize(sealed), { keepBackup: true });
    }
    return next.result;
  });
}

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
function removeDeadWritersTemps(target: string): void {
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
