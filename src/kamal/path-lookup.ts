// Whether a program is on PATH, as Ruby's backticks would find it.

import fs from 'node:fs';
import path from 'node:path';

export function onPath(program: string, env: NodeJS.ProcessEnv): boolean {
  if (program.includes('/')) return isExecutable(program);
  return (env.PATH ?? '').split(':').some((dir) => dir && isExecutable(path.join(dir, program)));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
