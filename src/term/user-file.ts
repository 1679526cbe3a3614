// Reading a file the user named (set --file, import): one line that says why not.

import fs from 'node:fs';
import { UserError } from '../errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

export function readUserFile(file: string): string {
  return readUserFileBytes(file).toString('utf8');
}

/** The file's bytes, as they are (set --file). */
export function readUserFileBytes(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    throw new UserError(`cannot read ${file}: ${REASONS[code] ?? (err as Error).message}`);
  }
}
