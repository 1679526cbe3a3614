// Values are bytes: what set --file stores, get returns exactly, through the agent (and its
// fast path) as in-process. Where a command needs text, a binary secret is refused by name.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, type RunResult, Sandbox } from '../helpers/cli.js';

const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x61, 0x62, 0x63, 0x80]); // \xff\xfe\0abc\x80
const NUL_TEXT = Buffer.from('abc\0def'); // valid UTF-8, but no environment variable can hold it

let box: Sandbox;
beforeEach(async () => {
  box = new Sandbox();
  await box.init();
});
afterEach(() => box.cleanup());

/** What the CLI writes on stdout, as bytes. */
function getBytes(args: string[], env: Record<string, string | undefined>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: box.dir,
      env: cleanEnv({ ...box.env, ...env }),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Store BINARY as `ref`, from a file as set --file reads it. */
async function setBinary(ref: string, env: Record<string, string | undefined>): Promise<void> {
  fs.writeFileSync(box.path('blob.bin'), BINARY);
  await box.run(['set', ref, '--file', box.path('blob.bin')], { env });
}

const oneLine = (r: RunResult) => r.stderr.trim().split('\n');

for (const [mode, env] of [
  ['in-process', {}],
  ['through the agent', { KAMAL_SECRET_NO_AGENT: undefined }],
] as const) {
  describe(`binary values, ${mode}`, () => {
    it('set --file stores the bytes, get returns them exactly (no newline added), get --json as base64', async () => {
      fs.writeFileSync(box.path('blob.bin'), BINARY);
      fs.writeFileSync(box.path('nul.txt'), NUL_TEXT);
      let r = await box.run(['set', 'BLOB', '--file', box.path('blob.bin')], { env });
      expect(r.stdout).toBe('created BLOB\n');
      expect(r.stderr).toBe(
        'kamal-secret: warning: BLOB holds binary data: kamal-secret get writes it byte for byte, but it cannot be an environment variable, exported or synced to GitLab\n',
      );
      await box.run(['set', 'NUL', '--file', box.path('nul.txt')], { env });

      expect(await getBytes(['get', 'BLOB'], env)).toEqual(BINARY);
      expect(await getBytes(['get', '-n', 'BLOB'], env)).toEqual(BINARY);
      expect(await getBytes(['get', 'NUL'], env)).toEqual(NUL_TEXT);
      // Twice through the agent: the second get takes the fast path of a warm agent.
      expect(await getBytes(['get', 'BLOB'], env)).toEqual(BINARY);
      r = await box.run(['get', '--json', 'BLOB'], { env });
      expect(JSON.parse(r.stdout)).toEqual({
        ref: 'BLOB',
        scope: '',
        name: 'BLOB',
        value_base64: BINARY.toString('base64'),
      });
    });

    it('run, export and fetch refuse a binary secret in one line that names it', async () => {
      await setBinary('BLOB', env);
      const refusal =
        'kamal-secret: BLOB holds binary data (bytes that are not UTF-8 text, or a NUL byte), which cannot be an environment variable, a dotenv or JSON value, or a GitLab variable; read it with: kamal-secret get BLOB > FILE';
      for (const args of [
        ['run', '--', 'true'],
        ['export', '--format', 'dotenv'],
        ['export', '--format', 'json'],
        ['fetch', 'BLOB'],
      ]) {
        const r = await box.run(args, { env });
        expect({ args, code: r.code, stdout: r.stdout, lines: oneLine(r) }).toEqual({
          args,
          code: 1,
          stdout: '',
          lines: [expect.stringContaining(refusal)],
        });
      }
    });

    it('check reads a vault that holds binary secrets: one elsewhere changes nothing, one run would need is a warning', async () => {
      box.write({
        'app/config/deploy.yml': 'service: shop\nimage: shop\nenv:\n  secret:\n    - A\n',
        'app/.kamal/secrets': 'A=$A\n',
      });
      await box.set('shop/A', 'value-of-a');
      await setBinary('other/BLOB', env);
      const check = () => box.run(['check', '--json'], { env, cwd: box.path('app') });
      const clean = await check();
      expect({ code: clean.code, stderr: clean.stderr, findings: JSON.parse(clean.stdout).findings }).toEqual({
        code: 0,
        stderr: '',
        findings: [],
      });

      await setBinary('shop/KEY', env);
      const r = await check();
      expect({ code: r.code, stderr: r.stderr, findings: JSON.parse(r.stdout).findings }).toEqual({
        code: 0,
        stderr: '',
        findings: [
          expect.objectContaining({
            code: 'binary-secret',
            severity: 'warning',
            name: 'KEY',
            message: expect.stringContaining('shop/KEY holds binary data'),
          }),
        ],
      });
    });

    it('check answers a get line as get does: a binary secret hides the text outside it, and its bytes are the finding', async () => {
      box.write({
        'app/config/deploy.yml': 'service: shop\nimage: shop\nenv:\n  secret:\n    - B\n    - F\n    - J\n',
        'app/.kamal/secrets': 'B=$(kamal-secret get B)\nF=$(kamal-secret fetch B)\nJ=$(kamal-secret get --json B)\n',
        // on PATH, as for a user who installed it (check reads its get lines)
        'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
      });
      fs.chmodSync(box.path('bin/kamal-secret'), 0o755);
      await box.set('B', 'outer-text');
      await setBinary('shop/B', env);
      const r = await box.run(['check', '--json'], {
        env: { ...env, PATH: `${box.path('bin')}:${process.env.PATH}` },
        cwd: box.path('app'),
      });
      const findings = JSON.parse(r.stdout).findings;
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
      expect(findings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            code: 'binary-secret',
            severity: 'error',
            line: 1,
            message: expect.stringContaining('prints the binary data of shop/B'),
          }),
          expect.objectContaining({
            code: 'command-failed',
            severity: 'error',
            line: 2,
            message: expect.stringContaining('is refused: shop/B holds binary data'),
          }),
          // get --json prints text (the bytes in base64): the finding is that Kamal deploys the object
          expect.objectContaining({ code: 'get-output', severity: 'error', line: 3 }),
          expect.objectContaining({ code: 'binary-secret', severity: 'warning', line: null, name: 'B' }),
        ]),
      );
      expect(JSON.stringify(findings)).not.toContain('outer-text');
    });

    it('migrate is not stopped by a binary secret in the vault', async () => {
      await setBinary('BLOB', env);
      box.write({
        'app/config/deploy.yml': 'service: shop\nimage: shop\nenv:\n  secret:\n    - A\n',
        'app/.kamal/secrets': 'A=plain-value\n',
      });
      const r = await box.run(['kamal', 'migrate', '--dry-run'], { env, cwd: box.path('app') });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.not.stringContaining('binary') });
    });
  });
}
