// The one-agent-per-socket lock, both kinds: refused to a second taker while its holder
// lives, free again once the holder dies, however it dies. The holder is a real process
// running the built module (npm run build first).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LockKind, lockAgentInstance, lockHolder } from '../../src/agent/instance-lock.js';
import { ROOT } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-lock-'));
  dirs.push(dir);
  return path.join(dir, 'agent.sock');
}

/** A process that takes the lock and keeps it until killed; resolves once it holds it. */
function holder(socket: string, kind: LockKind) {
  const module = path.join(ROOT, 'dist', 'agent', 'instance-lock.js');
  const code = `const { lockAgentInstance } = await import(${JSON.stringify(module)});
    const lock = await lockAgentInstance(${JSON.stringify(socket)}, ${JSON.stringify(kind)});
    console.log(lock ? 'held' : 'refused');
    setInterval(() => undefined, 60_000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const answer = new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  return { child, answer, exited };
}

const kinds: LockKind[] = process.platform === 'linux' ? ['abstract-socket', 'pid-file'] : ['pid-file'];

describe.each(kinds)('the %s lock', (kind) => {
  it('is refused while its holder lives and free once it is killed', async () => {
    const socket = socketPath();
    const h = holder(socket, kind);
    expect(await h.answer).toBe('held');
    expect(lockHolder(socket)).toBe(h.child.pid);
    expect(await lockAgentInstance(socket, kind)).toBeNull();
    h.child.kill('SIGKILL');
    await h.exited;
    const mine = await lockAgentInstance(socket, kind);
    expect(mine).not.toBeNull();
    expect(lockHolder(socket)).toBe(process.pid);
    mine?.release();
    expect(lockHolder(socket)).toBeNull();
  });
});

describe.skipIf(process.platform !== 'linux')('the abstract socket name', () => {
  const bound = () => fs.readFileSync('/proc/net/unix', 'utf8');
  const nameFor = (secret: string, socket: string) =>
    `@kamal-secret-agent-${createHash('sha256').update(`${secret}\0${socket}`).digest('hex').slice(0, 40)}`;

  it("depends on a secret in the socket's private directory, so another user cannot compute it", async () => {
    const socket = socketPath();
    const secretFile = path.join(path.dirname(socket), 'agent-lock-secret');
    const first = await lockAgentInstance(socket, 'abstract-socket');
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    const firstName = nameFor(fs.readFileSync(secretFile, 'utf8'), socket);
    expect(bound()).toContain(firstName);
    first?.release();
    fs.writeFileSync(secretFile, 'f'.repeat(32));
    const second = await lockAgentInstance(socket, 'abstract-socket');
    expect(bound()).toContain(nameFor('f'.repeat(32), socket));
    expect(bound()).not.toContain(firstName);
    second?.release();
  });
});
