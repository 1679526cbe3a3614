// One connection to a Unix socket, the same through Node's pipe handle and through net:
// a real server on a real socket, each case run over both.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKED_NODE_MAJORS, nodeHandles } from '../../src/light/node-handles.js';
import { connectPipe, type PipeConnection } from '../../src/light/pipe-connection.js';

const handles = nodeHandles();
const transports = [
  { name: "Node's pipe handle", handles, skip: handles === null },
  { name: 'net', handles: null, skip: false },
].map((t) => (t.skip ? { ...t, name: `${t.name} (skipped: not used on Node ${process.version})` } : t));

let dir: string;
let server: net.Server | undefined;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-pipe-'));
});
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A server on a fresh socket that answers each connection with `answer`. */
async function serve(answer: (conn: net.Socket) => void): Promise<string> {
  const sock = path.join(dir, 'sock');
  server = net.createServer(answer);
  await new Promise<void>((resolve) => server?.listen(sock, resolve));
  return sock;
}

interface Transcript {
  events: string[];
  received: Buffer;
  conn: PipeConnection;
}

/** Connect, send `request` once connected, and record every event until `until` says so. */
function converse(
  sock: string,
  request: string,
  transport: (typeof transports)[number],
  until: (t: Transcript) => boolean,
): Promise<Transcript> {
  return new Promise((resolve, reject) => {
    const t: Transcript = { events: [], received: Buffer.alloc(0), conn: undefined as unknown as PipeConnection };
    const stuck = setTimeout(() => reject(new Error(`stuck after ${JSON.stringify(t.events)}`)), 5000);
    const note = (event: string) => {
      t.events.push(event);
      if (!until(t)) return;
      clearTimeout(stuck);
      resolve(t);
    };
    t.conn = connectPipe(
      sock,
      {
        connect() {
          note('connect');
          t.conn.write(request);
        },
        data(chunk) {
          t.received = Buffer.concat([t.received, chunk]);
          note('data');
        },
        end: () => note('end'),
        error: (message) => note(`error: ${message}`),
      },
      transport.handles,
    );
    t.events.push('returned');
  });
}

describe.each(transports)('a pipe connection through $name', (transport) => {
  it.skipIf(transport.skip)('sends, receives in chunks, and sees the end', async () => {
    const sock = await serve((conn) =>
      conn.once('data', async (req) => {
        conn.write(`first half of ${req}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        conn.end(' and the rest\n');
      }),
    );
    const t = await converse(sock, 'hello', transport, (t) => t.events.at(-1) === 'end');
    expect(t.received.toString()).toBe('first half of hello and the rest\n');
    expect(t.events[0]).toBe('returned');
    expect(t.events[1]).toBe('connect');
    expect(t.events.filter((e) => e === 'data').length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(transport.skip)('carries a large reply whole', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 'x');
    const sock = await serve((conn) => conn.once('data', () => conn.end(big)));
    const t = await converse(sock, 'go', transport, (t) => t.events.at(-1) === 'end');
    expect(t.received.equals(big)).toBe(true);
  });

  it.skipIf(transport.skip)('no socket: one error, after connectPipe returned, in the words net uses', async () => {
    const t = await converse(path.join(dir, 'absent'), 'x', transport, (t) => t.events.length === 2);
    expect(t.events).toEqual(['returned', `error: connect ENOENT ${path.join(dir, 'absent')}`]);
  });

  it.skipIf(transport.skip)('a server that goes away mid-request: an error named for what failed', async () => {
    const sock = await serve((conn) => conn.once('data', () => conn.destroy()));
    const request = 'x'.repeat(8 * 1024 * 1024); // more than the socket buffers hold
    const t = await converse(sock, request, transport, (t) => /^(error|end)/.test(t.events.at(-1) ?? ''));
    expect(t.events.at(-1)).toMatch(/^error: (write EPIPE|read ECONNRESET)$/);
  });

  it.skipIf(transport.skip)('after close, nothing more is reported', async () => {
    const sock = await serve((conn) => conn.once('data', () => setTimeout(() => conn.end('late\n'), 50)));
    const t = await converse(sock, 'x', transport, (t) => t.events.at(-1) === 'connect');
    t.conn.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(t.events).toEqual(['returned', 'connect']);
  });
});

describe("Node's handles", () => {
  const checked = CHECKED_NODE_MAJORS.includes(process.versions.node.split('.')[0]);

  it(`are ${checked ? '' : 'not '}used on this Node (${process.version})`, () => {
    expect(handles !== null).toBe(checked);
  });
});
