// One request to the agent and its reply, against a real server on a real socket: the
// answer, and each way an agent can fail to give one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AgentUnavailable, request } from '../../src/light/agent-client.js';

let dir: string;
let server: net.Server | undefined;
const open = new Set<net.Socket>();
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-client-'));
});
afterEach(async () => {
  for (const conn of open) conn.destroy();
  open.clear();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A server on a fresh socket of ours that handles each request line with `onRequest`. */
async function serve(onRequest: (line: string, conn: net.Socket) => void): Promise<string> {
  const sock = path.join(dir, 'sock');
  server = net.createServer((conn) => {
    open.add(conn);
    let buffered = '';
    conn.on('data', (chunk) => {
      buffered += chunk;
      if (buffered.includes('\n')) onRequest(buffered.slice(0, buffered.indexOf('\n')), conn);
    });
  });
  await new Promise<void>((resolve) => server?.listen(sock, resolve));
  fs.chmodSync(sock, 0o600);
  return sock;
}

async function failure(promise: Promise<unknown>): Promise<AgentUnavailable> {
  const err = await promise.then(
    () => expect.unreachable('the request was answered'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AgentUnavailable);
  return err as AgentUnavailable;
}

it('sends one request line and resolves to the reply, also when it comes in pieces', async () => {
  const requests: unknown[] = [];
  const sock = await serve((line, conn) => {
    requests.push(JSON.parse(line));
    conn.write('{"ok":true,"pid":');
    setTimeout(() => conn.write('7,"note":"ü"}\n'), 20);
  });
  expect(await request(sock, { op: 'status' })).toEqual({ ok: true, pid: 7, note: 'ü' });
  expect(requests).toEqual([{ op: 'status' }]);
});

it('an agent that accepts and stays silent (stopped) fails at the deadline, as connected', async () => {
  const sock = await serve(() => undefined);
  const err = await failure(request(sock, { op: 'status' }, 200));
  expect(err.message).toBe('no answer within 0.2 s');
  expect(err.connected).toBe(true);
});

it('an agent that closes without answering, or answers garbage, fails at once, as connected', async () => {
  const closing = await serve((_line, conn) => conn.end());
  expect(await failure(request(closing, { op: 'status' }, 10_000))).toMatchObject({
    message: 'the agent closed the connection',
    connected: true,
  });
  await new Promise((resolve) => server?.close(resolve));
  const garbling = await serve((_line, conn) => conn.write('not json\n'));
  expect(await failure(request(garbling, { op: 'status' }, 10_000))).toMatchObject({
    message: 'the agent sent a malformed reply',
    connected: true,
  });
});

it('no socket, a file that is not one, or a socket nobody listens on: no agent, not connected', async () => {
  const missing = path.join(dir, 'missing');
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, '');
  for (const sock of [missing, file]) {
    expect(await failure(request(sock, { op: 'status' }))).toMatchObject({
      message: 'no agent socket',
      connected: false,
    });
  }
  // An agent killed outright leaves its socket behind, with nobody listening.
  const stale = path.join(dir, 'stale');
  const killed = `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', killed]);
  fs.chmodSync(stale, 0o600);
  const err = await failure(request(stale, { op: 'status' }, 10_000));
  expect(err.connected).toBe(false);
  expect(err.message).toMatch(/^connect ECONNREFUSED /);
});
