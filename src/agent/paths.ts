// Where the agent's socket lives, and the checks that make it safe to talk to: a
// directory only this user can enter, and a socket this user owns. A client that
// trusted someone else's socket could hand them a passphrase.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { vaultPath } from '../vault/paths.js';

/**
 * KAMAL_SECRET_AGENT_SOCK, else $XDG_RUNTIME_DIR/kamal-secret/, else a per-user
 * directory under the temp dir. The socket is named after the vault's path, so one
 * agent never answers for another vault (KAMAL_SECRET_VAULT, or another data home).
 */
export function socketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAMAL_SECRET_AGENT_SOCK) return path.resolve(env.KAMAL_SECRET_AGENT_SOCK);
  const uid = process.getuid?.() ?? 0;
  const base = usableRuntimeDir(env.XDG_RUNTIME_DIR, uid)
    ? path.join(env.XDG_RUNTIME_DIR!, 'kamal-secret')
    : path.join(os.tmpdir(), `kamal-secret-${uid}`);
  return path.join(base, `agent-${fnv1a64(vaultPath(env))}.sock`);
}

/**
 * XDG_RUNTIME_DIR often outlives its directory (after su, sudo -u, inside a container):
 * use it only when it exists and is ours.
 */
function usableRuntimeDir(dir: string | undefined, uid: number): boolean {
  if (!dir || !path.isAbsolute(dir)) return false;
  try {
    const st = fs.statSync(dir);
    return st.isDirectory() && (process.getuid === undefined || st.uid === uid);
  } catch {
    return false;
  }
}

/** The longest socket path the platform takes (sun_path less its terminating NUL). */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/**
 * FNV-1a, 64 bits, as hex: names a socket after its vault path. Not a security
 * boundary (the directory is), and node:crypto would cost `get` 2.5 ms to load.
 */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}

/** Create the socket's directory (0700) if needed, and verify who owns it. */
export function prepareSocketDir(sock: string): void {
  const fix =
    'set KAMAL_SECRET_AGENT_SOCK to a path in a directory of yours (or KAMAL_SECRET_NO_AGENT=1 to work without the agent)';
  const length = Buffer.byteLength(sock);
  if (length > MAX_SOCKET_PATH_BYTES)
    throw new UserError(
      `the agent socket path ${sock} is ${length} bytes long, more than the ${MAX_SOCKET_PATH_BYTES} a Unix socket allows; ${fix}`,
    );
  const dir = path.dirname(sock);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new UserError(
      `cannot create the agent directory ${dir}: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message}; ${fix}`,
    );
  }
  checkSocketDir(dir);
}

export function checkSocketDir(dir: string): void {
  const st = fs.statSync(dir);
  const uid = process.getuid?.();
  const fix = 'give KAMAL_SECRET_AGENT_SOCK a path in a directory only you can enter (mkdir -m 700 DIR), or unset it';
  if (uid !== undefined && st.uid !== uid)
    throw new UserError(`refusing the agent directory ${dir}: it belongs to uid ${st.uid}, not to you; ${fix}`);
  if (st.mode & 0o077) throw new UserError(`refusing the agent directory ${dir}: other users can enter it; ${fix}`);
}

/** True when `sock` exists and belongs to this user (a socket of someone else is never trusted). */
export function socketIsOurs(sock: string): boolean {
  try {
    const st = fs.lstatSync(sock);
    return st.isSocket() && st.uid === (process.getuid?.() ?? st.uid);
  } catch {
    return false;
  }
}
