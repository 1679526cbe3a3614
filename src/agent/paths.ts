// The agent socket's directory: one only this user can enter, so that no one else can
// put a socket there (a client that trusted someone else's socket could hand them a
// passphrase). And the socket path itself: a socket or nothing, never a file that we
// would delete to make room.

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** The longest socket path the platform takes (sun_path less its terminating NUL). */
const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** Create the socket's directory (0700) if needed, verify who owns it, and that the path is free for a socket. */
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
  checkSocketPath(sock);
}

export function checkSocketDir(dir: string): void {
  const st = fs.statSync(dir);
  const uid = process.getuid?.();
  const fix = 'give KAMAL_SECRET_AGENT_SOCK a path in a directory only you can enter (mkdir -m 700 DIR), or unset it';
  if (uid !== undefined && st.uid !== uid)
    throw new UserError(`refusing the agent directory ${dir}: it belongs to uid ${st.uid}, not to you; ${fix}`);
  if (st.mode & 0o077) throw new UserError(`refusing the agent directory ${dir}: other users can enter it; ${fix}`);
}

/** Refuse a socket path taken by anything but a socket (a file KAMAL_SECRET_AGENT_SOCK points at by mistake). */
function checkSocketPath(sock: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(sock);
  } catch {
    return; // nothing there yet
  }
  if (!st.isSocket())
    throw new UserError(
      `refusing the agent socket path ${sock}: it is ${st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : 'a file'}, not a socket, and is left untouched; point KAMAL_SECRET_AGENT_SOCK at a path that does not exist`,
    );
}

/**
 * Remove a dead agent's socket so that a new one can listen there. Called by the agent
 * that holds the instance lock, so no live agent owns it; anything but a socket is refused.
 */
export function removeStaleSocket(sock: string): void {
  checkSocketPath(sock);
  fs.rmSync(sock, { force: true });
}
