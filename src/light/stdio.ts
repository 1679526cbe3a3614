// Writing to stdout and stderr without process.stdout and process.stderr: creating those
// streams costs a fast path a few milliseconds of start-up (on a pipe each is a socket),
// which `$(kamal-secret get X)` pays once per secret. Writes go straight to the file
// descriptor; a reader that has gone away (EPIPE) is no error, as for the full CLI
// (bin/kamal-secret.js).

import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Write all of `data` to fd 1 or 2, before returning (the launcher exits right after get). */
export function writeFd(fd: 1 | 2, data: string | Buffer): void {
  let bytes = typeof data === 'string' ? Buffer.from(data) : data;
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw err;
      // A descriptor someone made non-blocking, and full: wait a moment for the reader, as a blocking write would.
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

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
