// One agent per socket, for the agent's whole life: a second agent never starts beside
// a live one, and so never deletes its socket (which would leave the first one holding
// the key where `lock` and `agent stop` cannot reach it).
//
// On Linux the lock is a listening abstract-namespace Unix socket: it has no file, and
// the kernel releases it when the process ends, however it ends; binding a name that
// is taken fails. Abstract names carry no permissions, so the name is derived from a
// random secret kept in the socket's private directory, and another local user cannot
// take it first. Elsewhere the lock is the pid file itself, replaced (under the vault's
// file lock) only when the process it names is gone.
//
// Either way the holder's pid is in SOCKET.pid, to name an agent that does not answer.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { UserError } from '../errors.js';
import { processIsAlive, withLock } from '../vault/lock.js';

export interface InstanceLock {
  release(): void;
}

export type LockKind = 'abstract-socket' | 'pid-file';
const DEFAULT_KIND: LockKind = process.platform === 'linux' ? 'abstract-socket' : 'pid-file';

/** Take the lock for the agent of `socket`; null when a live agent holds it. */
export function lockAgentInstance(socket: string, kind: LockKind = DEFAULT_KIND): Promise<InstanceLock | null> {
  return kind === 'abstract-socket' ? lockAbstractSocket(socket) : lockPidFile(socket);
}

/** The pid of the live process that holds the lock of `socket`, when known. */
export function lockHolder(socket: string): number | null {
  const pid = readPid(pidFileOf(socket));
  return pid !== null && processIsAlive(pid) ? pid : null;
}

async function lockAbstractSocket(socket: string): Promise<InstanceLock | null> {
  const server = net.createServer((conn) => conn.destroy());
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    server.listen(`\0${abstractName(socket)}`, () => resolve(true));
  });
  if (!bound) return null;
  server.unref();
  writePid(socket);
  return {
    release() {
      removeOwnPid(socket);
      server.close();
    },
  };
}

async function lockPidFile(socket: string): Promise<InstanceLock | null> {
  const taken = await withLock(`${socket}.lock`, async () => {
    const holder = lockHolder(socket);
    if (holder !== null && holder !== process.pid) return false;
    writePid(socket);
    return true;
  });
  return taken ? { release: () => removeOwnPid(socket) } : null;
}

/** The abstract name for `socket`: a digest of the directory's secret and the socket's path. */
function abstractName(socket: string): string {
  const digest = createHash('sha256')
    .update(`${lockSecret(path.dirname(socket))}\0${socket}`)
    .digest('hex');
  return `kamal-secret-agent-${digest.slice(0, 40)}`;
}

const SECRET = /^[0-9a-f]{32}$/;

/** The directory's random secret, created once (atomically: a complete file is linked into place). */
function lockSecret(dir: string): string {
  const file = path.join(dir, 'agent-lock-secret');
  if (!fs.existsSync(file)) {
    const staged = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staged, randomBytes(16).toString('hex'), { mode: 0o600 });
    try {
      fs.linkSync(staged, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another agent made it first
    } finally {
      fs.rmSync(staged, { force: true });
    }
  }
  const secret = fs.readFileSync(file, 'utf8');
  if (!SECRET.test(secret))
    throw new UserError(`${file} is damaged; stop the agent if one runs, then remove that file`);
  return secret;
}

const pidFileOf = (socket: string) => `${socket}.pid`;

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function writePid(socket: string): void {
  const file = pidFileOf(socket);
  const staged = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staged, `${process.pid}\n`, { mode: 0o600 });
  fs.renameSync(staged, file);
}

function removeOwnPid(socket: string): void {
  if (readPid(pidFileOf(socket)) === process.pid) fs.rmSync(pidFileOf(socket), { force: true });
}
