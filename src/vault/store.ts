// The vault on disk: permission checks, reads, and crash-safe writes under a lock.
// A write re-reads the vault under the lock, changes it, writes a temp file in the
// same directory (every byte, fsynced, its length checked), keeps the old file as
// `vault.json.bak`, renames the new one over, and fsyncs the directory. Any crash
// leaves the old or the new vault; a full disk leaves the old one and says so.

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { backupPathOf, lockPathOf } from '../light/paths.js';
import { removeDeadWritersTemps, writeAtomic } from './atomic-file.js';
import { DecryptError, openVault, sealVault } from './crypto.js';
import { FormatError, type Header, type Payload, parse, serialize, type VaultFile } from './format.js';
import { withLock } from './lock.js';
import { nextWriteCount, noteWriteCount, recordWriteCount } from './rollback.js';

/** Where a warning goes (a vault that went back in time): the caller decides how to show it. */
export type Warn = (line: string) => void;
const ignore: Warn = () => undefined;

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
      throw new UserError(`no vault at ${vaultPath}; ${notFoundHint}`, { code: 'no_vault' });
    throw new UserError(`cannot read the vault ${vaultPath}: ${(err as Error).message}`);
  }
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof FormatError) throw damaged(vaultPath, err.reason);
    throw err;
  }
}

/** The payload of `file`, authenticated; `warn` hears when it is older than one seen here before. */
export async function decryptPayload(
  vaultPath: string,
  file: VaultFile,
  key: Uint8Array,
  warn: Warn = ignore,
): Promise<Payload> {
  let payload: Payload;
  try {
    payload = await openVault(file, key);
  } catch (err) {
    if (err instanceof DecryptError)
      throw damaged(
        vaultPath,
        'its contents fail authentication (a byte was changed, or the key does not belong to this vault)',
      );
    if (err instanceof FormatError) throw damaged(vaultPath, err.reason);
    throw err;
  }
  const wentBack = noteWriteCount(vaultPath, file.header.vault_id, payload);
  if (wentBack) warn(wentBack);
  return payload;
}

export function damaged(vaultPath: string, reason: string): UserError {
  return new UserError(
    `the vault ${vaultPath} is damaged: ${reason}; it was left untouched (the previous version, if any, is ${backupPathOf(vaultPath)})`,
    { code: 'vault_damaged' },
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
    if (vaultExists(vaultPath))
      throw new UserError(`a vault already exists at ${vaultPath}; refusing to replace it`, { code: 'vault_exists' });
    removeDeadWritersTemps(vaultPath);
    writeAtomic(vaultPath, serialize(await sealVault(header, key, { ...payload, write_count: 1 })));
    recordWriteCount(vaultPath, header.vault_id, 1);
  });
}

export interface Change<T> {
  payload?: Payload;
  header?: Header;
  result: T;
}

/**
 * Read, change and write the vault under its lock. `change` gets the current
 * payload and header; what it returns is sealed with a fresh nonce and the next
 * write count, and written. When it returns neither a payload nor a header, nothing
 * is written. A new header (passwd) re-seals vault.json.bak under it as well, so that
 * no file keeps the old passphrase.
 */
export async function updateVault<T>(
  vaultPath: string,
  key: Uint8Array,
  change: (payload: Payload, header: Header) => Change<T> | Promise<Change<T>>,
  warn: Warn = ignore,
): Promise<T> {
  checkPermissions(vaultPath);
  return withLock(lockPathOf(vaultPath), async () => {
    const file = readVaultFile(vaultPath);
    const payload = await decryptPayload(vaultPath, file, key, warn);
    const count = nextWriteCount(vaultPath, file.header.vault_id, payload);
    const next = await change(payload, file.header);
    if (next.payload || next.header) {
      removeDeadWritersTemps(vaultPath);
      const header = next.header ?? file.header;
      const sealed = await sealVault(header, key, { ...(next.payload ?? payload), write_count: count });
      writeAtomic(vaultPath, serialize(sealed), { keepBackup: !next.header });
      if (next.header) {
        const previous = await sealVault(header, key, await openVault(file, key));
        writeAtomic(backupPathOf(vaultPath), serialize(previous));
      }
      recordWriteCount(vaultPath, header.vault_id, count);
    }
    return next.result;
  });
}
