// The commands check evaluates by reading files (cat, grep | cut, head), and what it
// never reads: anything outside the app, kernel and device trees, non-regular files.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateFileRead, readInside } from '../../../src/kamal/check/file-reads.js';

const app = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ks-file-reads-')));
const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ks-outside-')));
afterAll(() => {
  fs.rmSync(app, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});
fs.mkdirSync(path.join(app, 'config'));
fs.writeFileSync(path.join(app, 'config', 'master.key'), 'c0ffee\n');
fs.writeFileSync(path.join(app, '.env'), 'REG=registry\nB64=YWJj==\nQ="quoted"\nP=one\nP_OLD=two\n');
fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside-secret\n');
fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(app, 'link-out'));
fs.symlinkSync(path.join(app, 'config', 'master.key'), path.join(app, 'link-in'));

describe('file reads', () => {
  it('evaluates cat and the .env grep | cut hack like the real programs', () => {
    expect(evaluateFileRead('cat config/master.key', app)).toMatchObject({ stdout: 'c0ffee\n', status: 0 });
    expect(evaluateFileRead("cat .env | grep REG | cut -d '=' -f 2", app)).toMatchObject({ stdout: 'registry\n' });
    expect(evaluateFileRead('grep B64 .env | cut -d= -f2', app)?.altered).toMatch(/holds "="/);
    expect(evaluateFileRead('grep Q .env | cut -d= -f2', app)?.altered).toMatch(/keeps the quotes/);
    expect(evaluateFileRead('grep P .env | cut -d= -f2', app)?.altered).toMatch(/matches 2 lines/);
    expect(evaluateFileRead('cat config/none.key', app)).toMatchObject({
      stdout: '',
      status: 1,
      stderr: 'cat: config/none.key: No such file or directory\n',
    });
  });

  it('reads a symlink inside the app, and nothing outside it, whatever the path', () => {
    expect(evaluateFileRead('cat link-in', app)).toMatchObject({ stdout: 'c0ffee\n' });
    for (const file of [
      'link-out',
      path.join(outside, 'secret.txt'),
      `../${path.basename(outside)}/secret.txt`,
      '/etc/passwd',
      '/proc/self/environ',
      '/dev/urandom',
      '/no/such/file',
    ])
      expect(evaluateFileRead(`cat ${file}`, app), file).toBeNull();
    expect(readInside('/', '/proc/self/environ')).toBeNull(); // even for an app at /
  });

  it('never blocks on a FIFO', async () => {
    const fifo = path.join(app, 'fifo');
    await new Promise((resolve) => spawn('mkfifo', [fifo]).on('close', resolve));
    expect(evaluateFileRead('cat fifo', app)).toBeNull();
  });
});
