// Writing to stdout and stderr without process.stdout and process.stderr: creating those
// streams costs a fast path a few milliseconds of start-up (on a pipe each is a socket),
// which `$(kamal-secret get X)` pays once per secret. Writes go straight to the file
// descriptor; a reader that has gone away (EPIPE) is no error, as for the full CLI
// (bin/kamal-secret.js).

import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Write all of `data` to fd 1 or 2. */
export function writeFd(fd: 1 | 2, data: string | Buffer): void {
  let bytes = typeof data === 'string' ? Buffer.from(data) : data;
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw err;
      // A descriptor someone made non-blocking, and full: the stream waits for it to drain.
      const stream = fd === 1 ? process.stdout : process.stderr;
      if (stream.listenerCount('error') === 0) stream.on('error', ignoreClosedPipe);
      stream.write(bytes);
      return;
    }
  }
}

function ignoreClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
}

/** Whether `fd` is a terminal; node:tty is loaded only for a character device (it might be one). */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  const { isatty } = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return isatty(fd);
}
