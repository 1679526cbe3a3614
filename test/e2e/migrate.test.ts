// kamal migrate through the built CLI: stand-in op, bw and lpass on PATH (test/fixtures/bin),
// real files, a real vault, and real Kamal 2.12 (test/helpers/real-kamal.ts) as the oracle of
// what the old files delivered and what `kamal-secret run -- kamal` delivers after.
// No test value is ever an argument of a process: they live in the stand-ins' data files,
// the app's files, or go to `kamal-secret set` on stdin.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, type RunResult, Sandbox } from '../helpers/cli.js';
import { deployYml } from '../helpers/deploy-yml.js';
import {
  realKamalAvailable as available,
  realKamalPrint,
  realKamalSources,
  realKamalSkipReason as reason,
} from '../helpers/real-kamal.js';
import { haveScript, runInTerminal } from '../helpers/terminal.js';
import { FakeManagers, writeRealKamalExecutable } from '../kamal/migrate/fake-managers.js';

/**
 * Each test runs the CLI several times, each unlocking the vault (Argon2id, 64 MiB), and
 * real Kamal starts Ruby several times per migration: minutes in all on a busy machine.
 */
const SLOW = { timeout: 300_000 };

const DEPLOY = deployYml(['RAILS_MASTER_KEY'], 'builder:\n  arch: amd64\n');

const OP = {
  account: 'shop.1password.com',
  signedIn: false,
  session: 'op-session-token',
  vaults: {
    Deploy: {
      Shop: {
        fields: [
          { label: 'KAMAL_REGISTRY_PASSWORD', value: 'op-registry-Zq8' },
          { label: 'RAILS_MASTER_KEY', value: 'op-master-key-5f2a9c' },
        ],
      },
    },
  },
};

const ONE_PASSWORD_SECRETS = `# 1Password, through Kamal's adapter
SECRETS=$(kamal secrets fetch --adapter 1password --account ${OP.account} --from Deploy/Shop KAMAL_REGISTRY_PASSWORD RAILS_MASTER_KEY)
KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract KAMAL_REGISTRY_PASSWORD $SECRETS)
RAILS_MASTER_KEY=$(kamal secrets extract RAILS_MASTER_KEY $SECRETS)
`;

let box: Sandbox;
let managers: FakeManagers;
let env: Record<string, string>;
beforeEach(async () => {
  box = new Sandbox();
  managers = new FakeManagers().data('op', OP);
  env = managers.env();
  await box.init();
});
afterEach(async () => {
  managers.cleanup();
  await box.cleanup();
});

const appDir = () => box.path('app');
function writeApp(files: Record<string, string>, deploy = DEPLOY): void {
  box.write({
    'app/config/deploy.yml': deploy,
    ...Object.fromEntries(Object.entries(files).map(([f, t]) => [`app/${f}`, t])),
  });
}
const migrate = (args: string[] = [], extraEnv: Record<string, string> = {}) =>
  box.run(['kamal', 'migrate', ...args], { cwd: appDir(), env: { ...env, ...extraEnv }, timeoutMs: SLOW.timeout });

/** `kamal secrets print`'s lines in name order: verification is name by name, the new files' order is their own. */
const byName = (printed: string) => printed.split('\n').filter(Boolean).sort().join('\n');

async function vault(scope?: string): Promise<Record<string, string>> {
  const r = await box.run(['export', '--format', 'json', ...(scope === undefined ? ['-g'] : ['--scope', scope])], {
    cwd: appDir(),
  });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}
async function refs(): Promise<string[]> {
  const r = await box.run(['list', '--json']);
  return JSON.parse(r.stdout).map((e: { ref: string }) => e.ref);
}

/** No value of `values` in anything the command printed. */
function expectNoValues(r: RunResult, values: string[]): void {
  for (const v of values) {
    expect(r.stdout).not.toContain(v);
    expect(r.stderr).not.toContain(v);
  }
}

const kamalFiles = () =>
  Object.fromEntries(
    fs
      .readdirSync(path.join(appDir(), '.kamal'))
      .filter((f) => f !== 'hooks')
      .map((f) => [f, fs.readFileSync(path.join(appDir(), '.kamal', f), 'utf8')]),
  );

/** `kamal secrets print` by real Kamal after the migration, through `kamal-secret run` (env mode). */
async function realKamalAfter(version: '3.1' | '3.2', destination?: string): Promise<string> {
  const dest = destination ? ['-d', destination] : [];
  const r = await box.run(['run', ...dest, '--', 'bash', realKamalSources.harness, appDir(), ...dest], {
    cwd: appDir(),
    env: { ...env, KAMAL_SRC: realKamalSources.kamal, DOTENV_SRC: realKamalSources.dotenv[version] },
    timeoutMs: 240_000,
  });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.stdout;
}

describe('kamal migrate: 1Password through Kamal adapter, without Kamal installed', SLOW, () => {
  it('stores each value in the app scope, rewrites the file in env mode, keeps the old one, installs the guard', async () => {
    writeApp({ '.kamal/secrets': ONE_PASSWORD_SECRETS });
    const r = await migrate();
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r, ['op-registry-Zq8', 'op-master-key-5f2a9c']);
    expect(r.stdout).toContain('verified: every name arrives as before, on dotenv 3.1 and 3.2');
    expect(r.stdout).toMatch(/SECRETS \(\.kamal\/secrets:2\): only later lines read it/);
    expect(await vault('shop')).toEqual({
      KAMAL_REGISTRY_PASSWORD: 'op-registry-Zq8',
      RAILS_MASTER_KEY: 'op-master-key-5f2a9c',
    });
    expect(await refs()).toEqual(['shop/KAMAL_REGISTRY_PASSWORD', 'shop/RAILS_MASTER_KEY']);
    const files = kamalFiles();
    expect(files['secrets.before-migrate']).toBe(ONE_PASSWORD_SECRETS);
    expect(files.secrets).toMatch(
      /\nKAMAL_REGISTRY_PASSWORD=\$KAMAL_REGISTRY_PASSWORD\nRAILS_MASTER_KEY=\$RAILS_MASTER_KEY\n$/,
    );
    expect(fs.statSync(path.join(appDir(), '.kamal', 'hooks', 'pre-connect')).mode & 0o111).toBeTruthy();
    // one sign-in and one read for the whole migration, though both dotenv versions were evaluated
    expect(managers.calls().filter((c) => c.startsWith('op item get') || c.startsWith('op signin'))).toHaveLength(2);

    const again = await migrate();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^already migrated: shop/);
    expect(again.stdout).toContain('the secrets files are already in env mode');
    expect(managers.calls().filter((c) => c.startsWith('op item get'))).toHaveLength(1);
  });

  it.skipIf(!available)(`delivers every value identical to what real Kamal delivered before${reason}`, async () => {
    writeApp({ '.kamal/secrets': ONE_PASSWORD_SECRETS });
    const before = {
      '3.1': realKamalPrint(appDir(), '3.1', { ...process.env, ...env }),
      '3.2': realKamalPrint(appDir(), '3.2', { ...process.env, ...env }),
    };
    expect(before['3.2']).toContain('RAILS_MASTER_KEY=op-master-key-5f2a9c\n');
    const r = await migrate();
    expect(r.code, r.stderr).toBe(0);
    for (const version of ['3.1', '3.2'] as const)
      expect(await realKamalAfter(version)).toBe(before[version].replace(/^SECRETS=.*\n/m, ''));
  });

  it.skipIf(!available)(`with Kamal installed, fetches and verifies through it${reason}`, async () => {
    writeApp({ '.kamal/secrets': ONE_PASSWORD_SECRETS });
    const kamal = writeRealKamalExecutable(box.path('kamal-bin'), {
      kamal: realKamalSources.kamal,
      dotenv: realKamalSources.dotenv['3.2'],
      harness: realKamalSources.harness,
    });
    const r = await migrate([], { PATH: `${path.dirname(kamal)}:${env.PATH}` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('read as Kamal reads it on dotenv 3.1 and 3.2 and by kamal');
    expect(r.stdout).toContain('and by real kamal secrets print through kamal-secret run (kamal)');
    // Kamal's own adapter read 1Password: once for the values, once for kamal secrets print before
    expect(managers.calls().filter((c) => c.startsWith('op item get'))).toHaveLength(2);
    expect(await vault('shop')).toEqual({
      KAMAL_REGISTRY_PASSWORD: 'op-registry-Zq8',
      RAILS_MASTER_KEY: 'op-master-key-5f2a9c',
    });
  });
});

describe('kamal migrate: from command mode', SLOW, () => {
  it('$(kamal-secret get NAME) lines become NAME=$NAME, their values already where they are', async () => {
    // kamal-secret on PATH, as for a user who installed it
    box.write({ 'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n` });
    fs.chmodSync(box.path('bin/kamal-secret'), 0o755);
    writeApp({
      '.kamal/secrets':
        'KAMAL_REGISTRY_PASSWORD=$(kamal-secret get KAMAL_REGISTRY_PASSWORD)\nRAILS_MASTER_KEY=$(kamal-secret get RAILS_MASTER_KEY)\n',
    });
    await box.set('KAMAL_REGISTRY_PASSWORD', 'global-registry-Pp0');
    await box.set('shop/RAILS_MASTER_KEY', 'shop-master-Vv6');
    const r = await migrate(['--json'], { PATH: `${box.path('bin')}:${env.PATH}` });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r, ['global-registry-Pp0', 'shop-master-Vv6']);
    expect(JSON.parse(r.stdout).secrets.map((s: { ref: string; action: string }) => `${s.ref} ${s.action}`)).toEqual([
      'KAMAL_REGISTRY_PASSWORD in-global',
      'shop/RAILS_MASTER_KEY unchanged',
    ]);
    expect(kamalFiles().secrets).toMatch(
      /\nKAMAL_REGISTRY_PASSWORD=\$KAMAL_REGISTRY_PASSWORD\nRAILS_MASTER_KEY=\$RAILS_MASTER_KEY\n$/,
    );
  });
});

describe('kamal migrate: destinations, Bitwarden, a shared registry password', SLOW, () => {
  const BW = {
    account: 'ops@example.com',
    status: 'locked',
    session: 'bw-session-token',
    items: {
      shop: { fields: [{ name: 'RAILS_MASTER_KEY', value: 'bw-master-Kc3' }] },
      registry: { login: { password: 'bw-registry-77' } },
      'db-production': { login: { password: 'postgres://prod-db-Xy1' } },
      'db-staging': { login: { password: 'postgres://staging-db-Lm4' } },
    },
  };
  const DEPLOY_DB = DEPLOY.replace('secret: [RAILS_MASTER_KEY]', 'secret: [RAILS_MASTER_KEY, DATABASE_URL]');
  const files = {
    'config/deploy.production.yml': 'servers: [192.0.2.11]\n',
    'config/deploy.staging.yml': 'servers: [192.0.2.12]\n',
    '.kamal/secrets-common': `SECRETS=$(kamal secrets fetch --adapter bitwarden --account ${BW.account} shop/RAILS_MASTER_KEY registry)
RAILS_MASTER_KEY=$(kamal secrets extract RAILS_MASTER_KEY $SECRETS)
KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract registry $SECRETS)
`,
    '.kamal/secrets.production': 'DATABASE_URL=$(bw get password db-production)\n',
    '.kamal/secrets.staging': 'DATABASE_URL=$(bw get password db-staging)\n',
  };

  beforeEach(async () => {
    managers.data('bw', BW);
    writeApp(files, DEPLOY_DB);
    await box.set('KAMAL_REGISTRY_PASSWORD', 'bw-registry-77'); // shared by every app, already in the vault
  });

  it('a shared value goes to APP, per-destination values to APP/DEST, the global one stays', async () => {
    // the direct `bw get password` lines need an unlocked vault, as on a deploy
    const unlocked = { BW_SESSION: BW.session };
    const r = await migrate([], unlocked);
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r, ['bw-master-Kc3', 'bw-registry-77', 'prod-db-Xy1', 'staging-db-Lm4']);
    expect(r.stdout).toMatch(/KAMAL_REGISTRY_PASSWORD +KAMAL_REGISTRY_PASSWORD +left in the global scope/);
    expect(await refs()).toEqual([
      'KAMAL_REGISTRY_PASSWORD',
      'shop/RAILS_MASTER_KEY',
      'shop/production/DATABASE_URL',
      'shop/staging/DATABASE_URL',
    ]);
    expect(await vault('shop/production')).toMatchObject({
      DATABASE_URL: 'postgres://prod-db-Xy1',
      RAILS_MASTER_KEY: 'bw-master-Kc3',
    });
    expect(await vault('shop/staging')).toMatchObject({ DATABASE_URL: 'postgres://staging-db-Lm4' });
    // every destination reads each name (from its own scope), so env mode needs one file for them all
    const after = kamalFiles();
    expect(after['secrets-common']).toMatch(
      /\nDATABASE_URL=\$DATABASE_URL\nKAMAL_REGISTRY_PASSWORD=\$KAMAL_REGISTRY_PASSWORD\nRAILS_MASTER_KEY=\$RAILS_MASTER_KEY\n$/,
    );
    expect(Object.keys(after).sort()).toEqual([
      'secrets-common',
      'secrets-common.before-migrate',
      'secrets.production.before-migrate',
      'secrets.staging.before-migrate',
    ]);
    expect(after['secrets-common.before-migrate']).toBe(files['.kamal/secrets-common']);
    // Bitwarden was unlocked and read once for the fetch, though both destinations read secrets-common
    expect(managers.calls().filter((c) => c.startsWith('bw get item'))).toEqual([
      'bw get item shop',
      'bw get item registry',
    ]);
    const check = await box.run(['check', '-d', 'production'], { cwd: appDir(), env });
    expect(check.code, check.stdout).toBe(0);
  });

  it.skipIf(!available)(
    `each destination gets from kamal-secret run what real Kamal delivered before${reason}`,
    async () => {
      const unlocked = { ...process.env, ...env, BW_SESSION: BW.session };
      const before = Object.fromEntries(
        ['production', 'staging'].map((d) => [d, realKamalPrint(appDir(), '3.2', unlocked, ['-d', d])]),
      );
      expect(before.staging).toContain('DATABASE_URL=postgres://staging-db-Lm4\n');
      expect((await migrate([], { BW_SESSION: BW.session })).code).toBe(0);
      for (const d of ['production', 'staging'])
        expect(byName(await realKamalAfter('3.2', d))).toBe(byName(before[d].replace(/^SECRETS=.*\n/m, '')));
    },
  );

  it('-d staging migrates only that destination, leaving secrets-common and production as they were', async () => {
    const r = await migrate(['-d', 'staging', '--json'], { BW_SESSION: BW.session });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.files).toEqual([
      { file: '.kamal/secrets.staging', names: ['DATABASE_URL'], backup: '.kamal/secrets.staging.before-migrate' },
    ]);
    expect(report.not_migrated.map((n: { name: string }) => n.name).sort()).toEqual([
      'KAMAL_REGISTRY_PASSWORD',
      'RAILS_MASTER_KEY',
    ]);
    expect(await refs()).toEqual(['KAMAL_REGISTRY_PASSWORD', 'shop/staging/DATABASE_URL']);
    const after = kamalFiles();
    expect(after['secrets-common']).toBe(files['.kamal/secrets-common']);
    expect(after['secrets.production']).toBe(files['.kamal/secrets.production']);
  });
});

describe('kamal migrate: LastPass, a plaintext .env, literals', SLOW, () => {
  const LPASS = {
    account: 'me@example.com',
    loggedIn: false,
    entries: [{ fullname: 'Shop/master', password: 'lp-master-Hh9' }],
  };
  const secrets = `SECRETS=$(kamal secrets fetch --adapter lastpass --account ${LPASS.account} --from Shop master)
RAILS_MASTER_KEY=$(kamal secrets extract master $SECRETS)
KAMAL_REGISTRY_PASSWORD=$(cat .env | grep KAMAL_REGISTRY_PASSWORD | cut -d '=' -f 2)
TOKEN=$(grep TOKEN .env | cut -d = -f 2)
SMTP_PASSWORD=smtp-literal-Qw2
`;
  beforeEach(() => {
    managers.data('lpass', LPASS);
    writeApp({ '.kamal/secrets': secrets, '.env': 'KAMAL_REGISTRY_PASSWORD=env-registry-Rr5\nTOKEN=dG9rZW4=\n' });
  });

  it('migrates them all; the value grep | cut cut at "=" is stored whole, and the output says so by name', async () => {
    const r = await migrate();
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r, ['lp-master-Hh9', 'env-registry-Rr5', 'dG9rZW4', 'smtp-literal-Qw2']);
    expect(r.stdout).toContain(
      'TOKEN arrived altered (the value holds "=", and cut keeps only the text before it): stored the value its line meant',
    );
    expect(r.stderr).toContain(
      'kamal-secret: warning: TOKEN: stored the value its line meant, not the altered one deploys were getting',
    );
    expect(await vault('shop')).toEqual({
      RAILS_MASTER_KEY: 'lp-master-Hh9',
      KAMAL_REGISTRY_PASSWORD: 'env-registry-Rr5',
      TOKEN: 'dG9rZW4=',
      SMTP_PASSWORD: 'smtp-literal-Qw2',
    });
  });

  it.skipIf(!haveScript)('on a terminal, asks which value of an altered name to keep', async () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} kamal migrate`;
    const { code, screen } = await runInTerminal(
      `cd ${JSON.stringify(appDir())} && ${command}`,
      { ...box.env, ...env, KAMAL_SECRET_NO_TTY: undefined },
      [[/Which\?/, '2']],
    );
    expect(code, screen).toBe(0);
    expect(screen).toContain('TOKEN (.kamal/secrets:4, $(grep TOKEN .env | cut -d = -f 2)) reaches the app altered');
    expect((await vault('shop')).TOKEN).toBe('dG9rZW4');
  });
});

describe('kamal migrate stops before changing anything', SLOW, () => {
  it('when a command fails or prints nothing (the silent empty secret), naming it, never storing it', async () => {
    const secrets = `${ONE_PASSWORD_SECRETS}DATABASE_URL=$(op read op://Deploy/Shop/DATABASE_URL)\nEMPTY=$(printf '')\n`;
    writeApp({ '.kamal/secrets': secrets });
    const r = await migrate(['--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('empty_secret');
    const line = r.stderr.trim().split('\n').at(-1)!;
    expect(line).toMatch(/^kamal-secret: kamal migrate stopped before changing anything: /);
    expect(line).toContain(
      'DATABASE_URL (.kamal/secrets:5): $(op read op://Deploy/Shop/DATABASE_URL) exits with status 1',
    );
    expect(line).toContain("EMPTY (.kamal/secrets:6): $(printf '') prints nothing");
    expect(kamalFiles()).toEqual({ secrets });
    expect(await refs()).toEqual([]);
  });

  it('for a name dotenv reads but no environment variable can have (env mode could not carry it)', async () => {
    writeApp({ '.kamal/secrets': 'RAILS_MASTER_KEY=literal-master-Jk1\nMY.SETTING=x\n' });
    const r = await migrate();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^kamal-secret: kamal migrate stopped before changing anything: MY\.SETTING \(\.kamal\/secrets:2\): an environment variable cannot have this name/,
    );
    expect(await refs()).toEqual([]);
  });

  it('when the vault holds other values, naming them only; --yes replaces them', async () => {
    writeApp({ '.kamal/secrets': ONE_PASSWORD_SECRETS });
    await box.set('shop/RAILS_MASTER_KEY', 'an-older-master-key');
    const r = await migrate();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'kamal-secret: the vault already holds other values for shop/RAILS_MASTER_KEY; nothing was changed; compare them (kamal-secret get REF), then migrate again with --yes to replace them\n',
    );
    expect(kamalFiles()).toEqual({ secrets: ONE_PASSWORD_SECRETS });
    const yes = await migrate(['--yes']);
    expect(yes.code, yes.stderr).toBe(0);
    expectNoValues(yes, ['an-older-master-key', 'op-master-key-5f2a9c']);
    expect((await vault('shop')).RAILS_MASTER_KEY).toBe('op-master-key-5f2a9c');
  });

  it('for an adapter only Kamal can evaluate, with one line, before any command runs', async () => {
    writeApp({
      '.kamal/secrets': `${ONE_PASSWORD_SECRETS}S=$(kamal secrets fetch --adapter doppler --from shop/prd A)\n`,
    });
    const r = await migrate(['--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('unsupported_adapter');
    expect(r.stderr).toMatch(
      /^kamal-secret: \.kamal\/secrets:5: kamal secrets fetch --adapter doppler needs Kamal: [^\n]*\n$/,
    );
    expect(managers.calls()).toEqual([]);
  });

  it('--dry-run prints the plan, names and sources, no values, and changes nothing', async () => {
    writeApp({ '.kamal/secrets': ONE_PASSWORD_SECRETS });
    const text = await migrate(['--dry-run']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /RAILS_MASTER_KEY +shop\/RAILS_MASTER_KEY +new +\.kamal\/secrets:4 \$\(kamal secrets extract RAILS_MASTER_KEY \$SECRETS\)/,
    );
    expect(text.stdout).toContain('dry run: nothing was changed');
    const asJson = await migrate(['--dry-run', '--json']);
    const plan = JSON.parse(asJson.stdout);
    expect(plan).toMatchObject({ app: 'shop', dry_run: true, verified: null, conflicts: [] });
    expect(plan.secrets.map((s: { ref: string; action: string }) => `${s.ref} ${s.action}`)).toEqual([
      'shop/KAMAL_REGISTRY_PASSWORD create',
      'shop/RAILS_MASTER_KEY create',
    ]);
    for (const r of [text, asJson]) expectNoValues(r, ['op-registry-Zq8', 'op-master-key-5f2a9c']);
    expect(kamalFiles()).toEqual({ secrets: ONE_PASSWORD_SECRETS });
    expect(await refs()).toEqual([]);
  });
});

describe('kamal migrate verifies, and undoes everything when the new files deliver something else', SLOW, () => {
  it('a value holding "$(" that dotenv 3.1 would run through $NAME: files and vault back as they were', async () => {
    const secrets = "KEEP=kept-new-value\nINJECT='x$(echo injected)y'\n";
    writeApp({ '.kamal/secrets': secrets });
    await box.set('shop/KEEP', 'kept-old-value');
    const r = await migrate(['--yes', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'not_verified' });
    expect(r.stderr).toContain(
      'the new files do not deliver what the old ones did, so the files and the vault are as they were: INJECT: its value holds "$(", which dotenv 3.1 runs as a command even through $INJECT',
    );
    expectNoValues(r, ['kept-new-value', 'kept-old-value', 'injected']);
    expect(kamalFiles()).toEqual({ secrets });
    expect(fs.existsSync(path.join(appDir(), '.kamal', 'hooks'))).toBe(false);
    expect(await vault('shop')).toEqual({ KEEP: 'kept-old-value' });
  });

  it('with Gemfile.lock on dotenv 3.2, which keeps "$(" text, the same value migrates', async () => {
    writeApp({
      '.kamal/secrets': "INJECT='x$(echo injected)y'\n",
      'Gemfile.lock': 'GEM\n  specs:\n    dotenv (3.2.0)\n',
    });
    const r = await migrate();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('verified: every name arrives as before, on dotenv 3.2');
    expect((await vault('shop')).INJECT).toBe('x$(echo injected)y');
  });
});
