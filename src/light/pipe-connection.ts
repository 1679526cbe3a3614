// A connection to a Unix socket, for one request and its reply: on Node's pipe handle where
// that is used (node-handles.ts), else through net. The agent client (agent-client.ts)
// speaks its protocol over either, the same way.

import { createRequire } from 'node:module';
import { type NodeHandles, nodeHandles } from './node-handles.js';

export interface PipeEvents {
  connect(): void;
  data(chunk: Buffer): void;
  /** the other end closed its side; so is the connection now */
  end(): void;
  error(message: string): void;
}

export interface PipeConnection {
  write(text: string): void;
  /** Close it; no event follows. */
  close(): void;
}

/**
 * Connect to the socket at `path`; every event, errors included, comes after this returns.
 * `handles`: Node's (node-handles.ts), or null for net.
 */
export function connectPipe(path: string, on: PipeEvents, handles = nodeHandles()): PipeConnection {
  return handles ? handlePipe(handles, path, on) : netPipe(path, on);
}

function handlePipe(h: NodeHandles, path: string, on: PipeEvents): PipeConnection {
  const handle = new h.Pipe(h.pipeSocketType);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    handle.close();
  };
  const fail = (syscall: 'connect' | 'read' | 'write', status: number) => {
    if (closed) return;
    close();
    on.error(describeStatus(syscall, status, path));
  };
  const connecting = new h.PipeConnectWrap();
  connecting.oncomplete = (status) => {
    if (closed) return;
    if (status < 0) return fail('connect', status);
    handle.onread = (buffer) => {
      const read = h.streamBaseState[h.kReadBytesOrError];
      if (read > 0 && buffer) on.data(Buffer.from(buffer, h.streamBaseState[h.kArrayBufferOffset], read));
      else if (read === UV_EOF) {
        if (closed) return;
        close(); // as net does (allowHalfOpen off): nothing is left to say once the other end is done
        on.end();
      } else if (read < 0) fail('read', read);
    };
    const err = handle.readStart();
    if (err) return fail('read', err);
    on.connect();
  };
  const err = handle.connect(connecting, path);
  if (err) process.nextTick(fail, 'connect', err);
  return {
    write(text) {
      const req = new h.WriteWrap();
      req.handle = handle;
      req.oncomplete = (status) => {
        if (status < 0) fail('write', status);
      };
      const status = handle.writeUtf8String(req, text);
      if (status < 0) process.nextTick(fail, 'write', status);
    },
    close,
  };
}

/** libuv's end of stream, the same on every platform (uv/errno.h). */
const UV_EOF = -4095;

function netPipe(path: string, on: PipeEvents): PipeConnection {
  // Loaded here, not at the top: where the handles serve, the process never loads net.
  const { createConnection } = createRequire(import.meta.url)('node:net') as typeof import('node:net');
  const conn = createConnection(path);
  conn.on('connect', on.connect);
  conn.on('data', on.data);
  conn.on('end', on.end);
  conn.on('error', (err) => on.error(err.message));
  return {
    write: (text) => conn.write(text),
    close() {
      conn.removeAllListeners();
      conn.on('error', () => {}); // an error after close has nobody to tell
      conn.destroy();
    },
  };
}

/** As net words it: `connect ENOENT /path`, `write EPIPE`. */
function describeStatus(syscall: 'connect' | 'read' | 'write', status: number, path: string): string {
  const { getSystemErrorName } = createRequire(import.meta.url)('node:util') as typeof import('node:util');
  return `${syscall} ${getSystemErrorName(status)}${syscall === 'connect' ? ` ${path}` : ''}`;
}
