// What the launcher answers without the full CLI, checked against the full CLI's own
// answers: check through its own bundle. A copy of the launcher with no full CLI to fall
// back to proves each answer came from the fast path. (run: test/e2e/run.test.ts.)
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, type RunResult, Sandbox } from '../helpers/cli.js';
import { FastOnlyInstall } from '../helpers/fast-install.js';

const DEPLOY = `service: shop
image: example/shop
servers: [192.0.2.10]
registry:
  username: example
  password: [KAMAL_REGISTRY_PASSWORD]
env:
  secret: [RAILS_MASTER_KEY, DATABASE_URL, MISSING_ONE]
`;
const SECRETS = `KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD
RAILS_MASTER_KEY=$(kamal-secret get RAILS_MASTER_KEY)
DATABASE_URL=$(kamal-secret get DATABASE_URL)
UNSET_HERE=$UNSET_HERE
`;

let box: Sandbox;
let fast: FastOnlyInstall;
let env: Record<string, string | undefined>;
beforeEach(async () => {
  box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  // `kamal-secret` on PATH, as for a user who installed it (check reads its get lines).
  box.write({ 'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n` });
  fs.chmodSync(box.path('bin/kamal-secret'), 0o755);
  env = { PATH: `${box.path('bin')}:${process.env.PATH}` };
  box.write({ 'app/config/deploy.yml': DEPLOY, 'app/.kamal/secrets': SECRETS });
  await box.init();
  await box.set('shop/RAILS_MASTER_KEY', 'master-key-value'); // through the agent, which stays unlocked
  await box.set('KAMAL_REGISTRY_PASSWORD', 'registry-password');
  await box.set('shop/production/DATABASE_URL', 'postgres://only-in-production');
  fast = new FastOnlyInstall(box.path('fast-only'));
});
afterEach(() => box.cleanup());

const shown = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });
const inApp = (extra: Record<string, string | undefined> = {}) => ({ cwd: box.path('app'), env: { ...env, ...extra } });

describe('check through its own bundle', () => {
  it('reports exactly what the full CLI reports, in JSON and in text, with the same exit status', async () => {
    for (const args of [['check', '--json'], ['check'], ['check', '--dotenv', '3.1', '-d', 'production']]) {
      if (args.includes('production')) box.write({ 'app/config/deploy.production.yml': 'servers: [192.0.2.11]\n' });
      const viaFastPath = await fast.run(args, { ...inApp(), env: { ...box.env, ...env } });
      const viaFullCli = await box.run(args, inApp({ KAMAL_SECRET_NO_AGENT: '1' }));
      expect(viaFastPath.stderr).toBe('');
      expect(shown(viaFastPath)).toEqual(shown(viaFullCli));
    }
    const report = JSON.parse(
      (await fast.run(['check', '--json'], { ...inApp(), env: { ...box.env, ...env } })).stdout,
    );
    // The vault's values were there: the get line of a name the vault lacks in this scope is an error.
    expect(report.findings.map((f: { code: string; name: string }) => `${f.code}:${f.name}`)).toContain(
      'command-failed:DATABASE_URL',
    );
    expect(JSON.stringify(report)).not.toContain('master-key-value');
  });

  it('leaves a locked agent, and a directory outside any app, to the full CLI', async () => {
    const unlocked = await box.run(['check', '--json'], inApp());
    expect((await box.run(['lock'])).code).toBe(0);
    const locked = await box.run(['check', '--json'], inApp());
    expect(shown(locked)).toEqual(shown(unlocked));
    const outside = await box.run(['check'], { env });
    expect(shown(outside)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'kamal-secret: no config/deploy.yml here or above; run check inside a Kamal app\n',
    });
  });
});
