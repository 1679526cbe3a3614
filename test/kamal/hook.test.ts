// The pre-connect guard, run by /bin/sh as Kamal runs it: in the app's directory with
// the secrets in its environment. It refuses empty secrets, finds the files however
// their path is spelt, and fails closed on a file it cannot read.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { preConnectHook } from '../../src/kamal/hook.js';

const app = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-hook-'));
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

function runHook(secretsPath: string, env: Record<string, string>) {
  const hook = path.join(app, 'pre-connect');
  fs.writeFileSync(hook, preConnectHook(secretsPath), { mode: 0o755 });
  const r = spawnSync('/bin/sh', [hook], { cwd: app, env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

function write(rel: string, text: string) {
  fs.mkdirSync(path.dirname(path.join(app, rel)), { recursive: true });
  fs.writeFileSync(path.join(app, rel), text);
}

describe('the pre-connect guard', () => {
  it('refuses an empty secret from a secrets_path with spaces and quotes in it', () => {
    const dir = "my secrets/it's here";
    write(`${dir}/secrets-common`, 'COMMON=$COMMON\n');
    write(`${dir}/secrets.staging`, 'STAGING=$STAGING\n');
    write(`${dir}/secrets`, 'PLAIN=$PLAIN\n');
    const prefix = `${dir}/secrets`;
    expect(runHook(prefix, { COMMON: 'c', STAGING: 's', KAMAL_DESTINATION: 'staging' }).code).toBe(0);
    const blocked = runHook(prefix, { COMMON: 'c', KAMAL_DESTINATION: 'staging' });
    expect(blocked).toMatchObject({ code: 1, stderr: expect.stringContaining('these secrets are empty: STAGING') });
    expect(runHook(prefix, { STAGING: 's', PLAIN: 'p' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('empty: COMMON'),
    });
  });

  it('fails closed on a secrets file it cannot read: a directory, a dangling link', () => {
    write('.kamal/secrets', 'A=$A\n');
    fs.mkdirSync(path.join(app, '.kamal', 'secrets-common'));
    expect(runHook('.kamal/secrets', { A: 'a' })).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('cannot read .kamal/secrets-common'),
    });
    fs.rmdirSync(path.join(app, '.kamal', 'secrets-common'));
    fs.symlinkSync(path.join(app, 'nowhere'), path.join(app, '.kamal', 'secrets-common'));
    expect(runHook('.kamal/secrets', { A: 'a' }).code).toBe(1);
    fs.rmSync(path.join(app, '.kamal', 'secrets-common'));
    expect(runHook('.kamal/secrets', { A: 'a' }).code).toBe(0);
  });
});
