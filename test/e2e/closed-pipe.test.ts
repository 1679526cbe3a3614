// A reader that stops early (`kamal-secret list | head -1`, `| grep -q`) closes the
// pipe. Each case closes the read end of a real pipe before the CLI writes a byte, so
// every write it makes fails with EPIPE: the command must end quietly, with its own
// status, and no stack trace.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, Sandbox } from '../helpers/cli.js';
import { FAST_GET_MODULES, runProbed } from '../helpers/fast-path.js';

function runWithStdoutClosed(
  box: Sandbox,
  args: string[],
  env: Record<string, string | undefined> = {},
  { stderrToo = false } = {},
) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: box.dir,
      env: cleanEnv({ ...box.env, ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    if (stderrToo) child.stderr.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

let box: Sandbox;
afterEach(() => box.cleanup());

describe('a closed stdout, full CLI', () => {
  beforeEach(async () => {
    box = new Sandbox();
    await box.init();
    await box.set('shop/A', 'value-of-a');
    await box.set('B', 'value-of-b');
  });

  it('ends list, export, get, help and --version quietly with exit 0', async () => {
    for (const args of [['list'], ['export', '--scope', 'shop'], ['get', 'B'], ['help', 'get'], ['--help'], ['-V']]) {
      const r = await runWithStdoutClosed(box, args);
      expect({ args, ...r }).toEqual({ args, code: 0, stderr: '' });
    }
  });

  it("keeps the command's own status and message when it fails", async () => {
    const r = await runWithStdoutClosed(box, ['get', 'MISSING', '--json']);
    expect(r).toEqual({
      code: 1,
      stderr: 'kamal-secret: MISSING not found in the global scope; add it with: kamal-secret set :MISSING\n',
    });
  });

  it('ends quietly when stderr is closed too (export warns about this value)', async () => {
    await box.set('C', "it's $HOME");
    expect(await runWithStdoutClosed(box, ['export'], {}, { stderrToo: true })).toEqual({ code: 0, stderr: '' });
  });
});

describe('a closed stdout, get on the fast path', () => {
  beforeEach(async () => {
    box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
    await box.init();
    await box.set('B', 'value-of-b');
  });

  it('ends quietly with exit 0, and the agent answered it', async () => {
    const noPassphrase = { KAMAL_SECRET_PASSPHRASE: undefined };
    expect((await runProbed(box, ['get', 'B'], noPassphrase)).modules).toEqual(FAST_GET_MODULES);
    expect(await runWithStdoutClosed(box, ['get', 'B'], noPassphrase)).toEqual({ code: 0, stderr: '' });
    expect(await runWithStdoutClosed(box, ['get', 'B', '--json'], noPassphrase)).toEqual({ code: 0, stderr: '' });
  });
});

// A parent that made the pipe non-blocking (Node does so for its own process.stdout, and
// the child inherits the same open pipe) and reads slowly: get's writes meet EAGAIN, and
// must still deliver every byte before the process ends.
describe('a slow reader on a non-blocking pipe, get on the fast path', () => {
  beforeEach(async () => {
    box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
    await box.init();
    await box.set('BIG', 'v'.repeat(1 << 20));
  });

  it('gets the whole value', async () => {
    const noPassphrase = { KAMAL_SECRET_PASSPHRASE: undefined };
    expect((await runProbed(box, ['get', 'BIG'], noPassphrase)).modules).toEqual(FAST_GET_MODULES);
    const inheritsNonBlockingStdout = `process.stdout; const r = require('node:child_process').spawnSync(process.execPath, ${JSON.stringify([BIN, 'get', 'BIG'])}, { stdio: 'inherit' }); process.exitCode = r.status;`;
    const child = spawn(process.execPath, ['-e', inheritsNonBlockingStdout], {
      cwd: box.dir,
      env: cleanEnv({ ...box.env, ...noPassphrase }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pause();
    await new Promise((r) => setTimeout(r, 500)); // the pipe fills, and the writes meet EAGAIN
    let length = 0;
    child.stdout.on('data', (d: Buffer) => (length += d.length));
    child.stdout.resume();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr, length }).toEqual({ code: 0, stderr: '', length: (1 << 20) + 1 });
  });
});
