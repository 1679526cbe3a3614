// `kamal-secret run` on both of its paths, through the built CLI: the fast path (an
// unlocked agent answers; proved taken by a launcher copy that has no full CLI to fall
// back to) and the full CLI (KAMAL_SECRET_NO_AGENT=1), which must behave identically.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTROL_VARIABLES } from '../../src/config.js';
import { type RunResult, Sandbox } from '../helpers/cli.js';
import { FastOnlyInstall } from '../helpers/fast-install.js';

const DEPLOY = 'service: shop\nimage: example/shop\nservers: [192.0.2.10]\nenv:\n  secret: [RAILS_MASTER_KEY]\n';
// A stand-in for Kamal on PATH: prints what it was given and the secrets it would read.
const KAMAL = '#!/bin/sh\necho "kamal $* master=$RAILS_MASTER_KEY registry=$KAMAL_REGISTRY_PASSWORD"\n';

let box: Sandbox;
let fast: FastOnlyInstall;
let env: Record<string, string | undefined>;
beforeEach(async () => {
  box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  box.write({ 'app/config/deploy.yml': DEPLOY, 'bin/kamal': KAMAL });
  fs.chmodSync(box.path('bin/kamal'), 0o755);
  env = { PATH: `${box.path('bin')}:${process.env.PATH}` };
  await box.init();
  await box.set('shop/RAILS_MASTER_KEY', 'app-master'); // through the agent, which stays unlocked
  await box.set('shop/production/RAILS_MASTER_KEY', 'prod-master');
  await box.set('KAMAL_REGISTRY_PASSWORD', 'registry-password');
  fast = new FastOnlyInstall(box.path('fast-only'));
});
afterEach(() => box.cleanup());

const inApp = (extra: Record<string, string | undefined> = {}) => ({ cwd: box.path('app'), env: { ...env, ...extra } });
/** The fast path (it cannot fall back) and the full CLI (no agent) on the same command line. */
async function bothPaths(args: string[], extra: Record<string, string | undefined> = {}) {
  const viaFastPath = await fast.run(['run', ...args], { ...inApp(extra), env: { ...box.env, ...env, ...extra } });
  const viaFullCli = await box.run(['run', ...args], inApp({ KAMAL_SECRET_NO_AGENT: '1', ...extra }));
  return { viaFastPath, viaFullCli };
}
const shown = (r: RunResult) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

describe('run, fast path and full CLI alike', () => {
  it('gives the command the secrets its scope sees, the destination from kamal -d, and exits with its status', async () => {
    box.write({ 'app/.kamal/secrets.production': 'RAILS_MASTER_KEY=$RAILS_MASTER_KEY\n' });
    box.write({ 'app/config/deploy.production.yml': 'servers: [192.0.2.11]\n' });
    const { viaFastPath, viaFullCli } = await bothPaths(['--', 'kamal', 'deploy', '-d', 'production']);
    expect(shown(viaFastPath)).toEqual({
      code: 0,
      stdout: 'kamal deploy -d production master=prod-master registry=registry-password\n',
      stderr: '',
    });
    expect(shown(viaFullCli)).toEqual(shown(viaFastPath));
    const status = await bothPaths(['--', 'sh', '-c', 'echo "$KAMAL_DESTINATION"; exit 7', '-d', 'x'], {
      KAMAL_DESTINATION: undefined,
    });
    expect(shown(status.viaFastPath)).toEqual({ code: 7, stdout: '\n', stderr: '' });
    expect(shown(status.viaFullCli)).toEqual(shown(status.viaFastPath));
  });

  it("keeps the tool's own control variables (the passphrase among them) out of the command's environment", async () => {
    const listVariables = ['--', 'sh', '-c', 'env | cut -d= -f1 | grep ^KAMAL_SECRET_ | sort'];
    const { viaFastPath, viaFullCli } = await bothPaths(listVariables, { KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS: '500' });
    const passedOn = viaFastPath.stdout.split('\n');
    expect(box.env.KAMAL_SECRET_PASSPHRASE).toBeTruthy(); // there to leak
    for (const name of CONTROL_VARIABLES) expect(passedOn).not.toContain(name);
    // The vault and the socket stay: a $(kamal-secret get …) inside Kamal needs them.
    expect(passedOn).toEqual(expect.arrayContaining(['KAMAL_SECRET_AGENT_SOCK', 'KAMAL_SECRET_VAULT']));
    expect(viaFullCli.stdout).toBe(viaFastPath.stdout);
  });

  it('--preserve-env keeps what the environment has', async () => {
    const cmd = ['--preserve-env', '--', 'sh', '-c', 'echo "$KAMAL_REGISTRY_PASSWORD"'];
    const { viaFastPath, viaFullCli } = await bothPaths(cmd, { KAMAL_REGISTRY_PASSWORD: 'from-env' });
    expect(viaFastPath.stdout).toBe('from-env\n');
    expect(viaFullCli.stdout).toBe('from-env\n');
  });

  it('forwards SIGTERM to the command on the fast path, and exits with its status', async () => {
    const child = spawn(
      process.execPath,
      [
        fast.bin,
        'run',
        '--',
        'sh',
        '-c',
        'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done',
      ],
      { env: { ...process.env, ...box.env, ...env } as NodeJS.ProcessEnv, cwd: box.dir },
    );
    let out = '';
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('ready')) resolve();
      }),
    );
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(out).toContain('got-term');
    expect(code).toBe(42);
  });
});

describe('run: warnings only where they apply', () => {
  const warning = (name: string, file: string, scope: string) =>
    `kamal-secret: warning: ${name}: ${file} reads $${name}, but neither the environment nor the vault (scope ${scope}) has it: Kamal will deploy it empty; fix: kamal-secret set ${name}\n`;

  it('names each secret Kamal will read that nobody provides, once, in the file that reads it', async () => {
    box.write({ 'app/.kamal/secrets': 'RAILS_MASTER_KEY=$RAILS_MASTER_KEY\nGHOST=$GHOST\nALSO=${GHOST}\n' });
    const throughAgent = await box.run(['run', '--', 'kamal', 'deploy'], inApp());
    const withoutAgent = await box.run(['run', '--', 'kamal', 'deploy'], inApp({ KAMAL_SECRET_NO_AGENT: '1' }));
    expect(shown(throughAgent)).toEqual({
      code: 0,
      stdout: 'kamal deploy master=app-master registry=registry-password\n',
      stderr: warning('GHOST', '.kamal/secrets', 'shop'),
    });
    expect(shown(withoutAgent)).toEqual(shown(throughAgent));
  });

  it('reads secrets_path, and with -d secrets-common and secrets.DEST, as Kamal does', async () => {
    box.write({
      'app/config/deploy.yml': `${DEPLOY}secrets_path: config/secrets\n`,
      'app/config/deploy.staging.yml': 'servers: [192.0.2.12]\n',
      'app/config/secrets-common': 'FROM_COMMON=$FROM_COMMON\n',
      'app/config/secrets.staging': 'RAILS_MASTER_KEY=$RAILS_MASTER_KEY\nFROM_STAGING=$FROM_STAGING\n',
      'app/config/secrets': 'NOT_READ_WITH_D=$NOT_READ_WITH_D\n',
      'app/.kamal/secrets': 'NOT_THE_SECRETS_PATH=$NOT_THE_SECRETS_PATH\n',
    });
    const r = await box.run(['run', '--', 'kamal', 'deploy', '-d', 'staging'], inApp());
    expect(r.stderr).toBe(
      warning('FROM_COMMON', 'config/secrets-common', 'shop/staging') +
        warning('FROM_STAGING', 'config/secrets.staging', 'shop/staging'),
    );
  });

  it('none with --quiet, none for a command that is not Kamal, none for what the file only seems to read', async () => {
    box.write({ 'app/.kamal/secrets': 'RAILS_MASTER_KEY=$RAILS_MASTER_KEY\nGHOST=$GHOST\n' });
    const quiet = await bothPaths(['--quiet', '--', 'kamal', 'deploy']);
    expect(shown(quiet.viaFastPath)).toMatchObject({ code: 0, stderr: '' });
    expect(shown(quiet.viaFullCli)).toEqual(shown(quiet.viaFastPath));
    const notKamal = await bothPaths(['--', 'sh', '-c', 'echo "$RAILS_MASTER_KEY"']);
    expect(shown(notKamal.viaFastPath)).toEqual({ code: 0, stdout: 'app-master\n', stderr: '' });
    expect(shown(notKamal.viaFullCli)).toEqual(shown(notKamal.viaFastPath));
    // An escaped \$GHOST reads nothing: the cheap look suspects it, the dotenv model clears it.
    box.write({ 'app/.kamal/secrets': 'RAILS_MASTER_KEY=$RAILS_MASTER_KEY\nPRICE=costs \\$GHOST\n' });
    const cleared = await box.run(['run', '--', 'kamal', 'deploy'], inApp());
    expect(shown(cleared)).toMatchObject({ code: 0, stderr: '' });
  });

  it("Rails 8's generated .kamal/secrets stays on the fast path: its comments read nothing", async () => {
    box.write({
      'app/.kamal/secrets': [
        '# KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract KAMAL_REGISTRY_PASSWORD ${SECRETS})',
        '# Grab the registry password from ENV',
        'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD',
        'RAILS_MASTER_KEY=$(cat config/master.key)',
        '',
      ].join('\n'),
    });
    const r = await fast.run(['run', '--', 'kamal', 'deploy'], { ...inApp(), env: { ...box.env, ...env } });
    expect(shown(r)).toEqual({
      code: 0,
      stdout: 'kamal deploy master=app-master registry=registry-password\n',
      stderr: '',
    });
  });
});

describe('run: what the fast path leaves to the full CLI', () => {
  it('a command that cannot start: one line, exit 127', async () => {
    const r = await box.run(['run', '--', 'no-such-command-here'], inApp());
    expect(shown(r)).toEqual({
      code: 127,
      stdout: '',
      stderr: 'kamal-secret: no-such-command-here: command not found\n',
    });
  });

  it('a locked agent: the full CLI unlocks it and runs the command', async () => {
    expect((await box.run(['lock'])).code).toBe(0);
    const r = await box.run(['run', '--', 'sh', '-c', 'echo "$RAILS_MASTER_KEY"'], inApp());
    expect(shown(r)).toEqual({ code: 0, stdout: 'app-master\n', stderr: '' });
  });
});
