// A copy of the launcher with only what it answers without the full CLI: the fast-path
// bundles and the texts rendered at build time. Falling back to the full CLI fails there
// (there is no dist/cli/), so a command that works in it took its fast path.

import fs from 'node:fs';
import path from 'node:path';
import { ROOT, type RunOptions, runProcess } from './cli.js';

const FILES = [
  'bin/kamal-secret.js',
  'bin/package.json',
  'dist/fast-get.cjs',
  'dist/fast-run.cjs',
  'dist/fast-check.cjs',
  'dist/cli-text.json',
];

export class FastOnlyInstall {
  readonly bin: string;

  constructor(dir: string) {
    for (const file of FILES) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
    }
    this.bin = path.join(dir, 'bin', 'kamal-secret.js');
  }

  run(args: string[], opts: RunOptions) {
    return runProcess(process.execPath, [this.bin, ...args], opts);
  }
}
