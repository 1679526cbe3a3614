// What the launcher answers without the full CLI, checked against the full CLI's own
// answers: --version and help from texts rendered at build time, and check through its
// own bundle. A copy of the launcher with no full CLI to fall back to proves each answer
// came from the fast path. (run's fast path: test/e2e/run.test.ts.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, type RunResult, runCli, runProcess, Sandbox } from '../helpers/cli.js';
import { deployYml } from '../helpers/deploy-yml.js';
import { FastOnlyInstall } from '../helpers/fast-install.js';

const DEPLOY = deployYml(['RAILS_MASTER_KEY', 'DATABASE_URL', 'MISSING_ONE']);
const SECRETS = `KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD
RAILS_MASTER_KEY=$(kamal-secret get RAILS_MASTER_KEY)
DATABASE_URL=$(kamal-secret get DATABASE_URL)
UNSET_HERE=$UNSET_HERE
`;

const shown = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

describe('check through its own bundle', () => {
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
  const inApp = (extra: Record<string, string | undefined> = {}) => ({
    cwd: box.path('app'),
    env: { ...env, ...extra },
  });

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

describe('--version and help without the CLI', () => {
  const built = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'cli-text.json'), 'utf8')) as {
    outputs: Record<string, unknown>;
  };
  const forms = Object.keys(built.outputs).map((key) => JSON.parse(key) as string[]);
  let dir: string;
  let fastOnly: FastOnlyInstall;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-texts-'));
    fastOnly = new FastOnlyInstall(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  /** The full CLI itself, not the launcher. */
  const fullCli = (args: string[]) =>
    runProcess(process.execPath, [
      '--input-type=module',
      '-e',
      'const { main } = await import(process.argv[1]); await main(["node", "kamal-secret", ...process.argv.slice(2)]);',
      path.join(ROOT, 'dist', 'cli', 'main.js'),
      ...args,
    ]);

  it('covers --version and the help of the program and of every command', () => {
    const keys = forms.map((f) => f.join(' '));
    // The launcher reads the texts only for arguments with one of these words.
    const words = ['--version', '-V', '--help', '-h', 'help'];
    expect(forms.filter((f) => !f.some((arg) => words.includes(arg)))).toEqual([]);
    expect(keys).toEqual(
      expect.arrayContaining(['--version', '--help', 'help', 'help get', 'run --help', 'gitlab sync --help']),
    );
  });

  it.each(forms.map((args): [string, string[]] => [args.join(' '), args]))(
    '%s: the same as the CLI prints',
    async (_, args) => {
      const launcher = await fastOnly.run(args, {});
      expect(shown(launcher)).toEqual(shown(await fullCli(args)));
      expect(launcher.code).toBe(0);
    },
  );

  it('prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect((await fastOnly.run(['--version'], {})).stdout).toBe(`${version}\n`);
  });

  it('leaves to the CLI a help whose text depends on the environment', async () => {
    const r = await runCli(['agent', '--help'], { env: { KAMAL_SECRET_AGENT_TTL: '5m' } });
    expect(r.stdout).toContain('(default: "5m")');
    expect(forms.some((f) => f[0] === 'agent')).toBe(false);
  });
});
