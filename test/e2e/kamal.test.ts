// check, run, fetch and kamal init on fixture apps, through the built CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runProcess, Sandbox } from '../helpers/cli.js';
import { deployYml } from '../helpers/deploy-yml.js';
import { KamalDriver, realKamalAvailable, realKamalSkipReason } from '../helpers/real-kamal.js';

const DEPLOY = deployYml();

let box: Sandbox;
let env: Record<string, string | undefined>;
beforeEach(async () => {
  box = new Sandbox();
  // `kamal-secret` on PATH, as for a user who installed it.
  box.write({ 'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n` });
  fs.chmodSync(box.path('bin/kamal-secret'), 0o755);
  env = { PATH: `${box.path('bin')}:${process.env.PATH}` };
  await box.init();
  await box.set('shop/RAILS_MASTER_KEY', 'master-key-value');
  await box.set('KAMAL_REGISTRY_PASSWORD', 'registry-password');
});
afterEach(() => box.cleanup());

async function checkApp(
  secrets: Record<string, string>,
  args: string[] = [],
  deploy = DEPLOY,
  extraEnv: Record<string, string> = {},
) {
  box.write({
    'app/config/deploy.yml': deploy,
    ...Object.fromEntries(Object.entries(secrets).map(([f, t]) => [`app/.kamal/${f}`, t])),
  });
  const r = await box.run(['check', '--json', ...args], { cwd: box.path('app'), env: { ...env, ...extraEnv } });
  const report = JSON.parse(r.stdout);
  return {
    code: r.code,
    report,
    codes: report.findings
      .filter((f: { severity: string }) => f.severity === 'error')
      .map((f: { code: string; line: number | null; name: string | null }) => `${f.code}:${f.line}:${f.name}`),
  };
}

const clean =
  'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\nRAILS_MASTER_KEY=$(kamal-secret get RAILS_MASTER_KEY)\n';

describe('check', () => {
  it('a clean app (env mode and command mode) yields no error and exits 0', async () => {
    const { code, report } = await checkApp({ secrets: clean });
    expect(report.findings.filter((f: { severity: string }) => f.severity !== 'info')).toEqual([]);
    expect(code).toBe(0);
    expect(report.files).toEqual([box.path('app/.kamal/secrets')]);
  });

  const pitfalls: [string, Record<string, string>, string[], string][] = [
    [
      '1 shell operators',
      { secrets: `${clean}FALLBACK=\${RAILS_MASTER_KEY:-dev}\n` },
      ['--exec'],
      'shell-operator:3:FALLBACK',
    ],
    ['2 a command that fails', { secrets: `${clean}C=$(false)\n` }, ['--exec'], 'command-failed:3:C'],
    ['2 a command that prints nothing', { secrets: `${clean}C=$(true)\n` }, ['--exec'], 'command-empty:3:C'],
    [
      '2 a kamal-secret get of a missing name',
      { secrets: `${clean}NOPE=$(kamal-secret get NOPE)\n` },
      [],
      'command-failed:3:NOPE',
    ],
    ['3 a program not on PATH', { secrets: `${clean}X=$(no-such-program get X)\n` }, [], 'command-not-found:3:null'],
    [
      '4 a needed name no file defines',
      { secrets: 'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n' },
      [],
      'missing-secret:null:RAILS_MASTER_KEY',
    ],
    [
      '5 NAME=$NAME with no value anywhere',
      { secrets: `${clean}NEVER_SET=$NEVER_SET\n` },
      [],
      'unset-variable:3:NEVER_SET',
    ],
    ['7 an unquoted #', { secrets: `${clean}HASH=abc#def\n` }, [], 'unquoted-hash:3:HASH'],
    ['7 a backslash', { secrets: `${clean}BS=abc\\def\n` }, [], 'backslash:3:BS'],
    ['10 a bare export', { secrets: `${clean}export NEVER\n` }, [], 'bare-export:3:NEVER'],
    [
      'cross-file reference',
      { 'secrets-common': 'SHARED=$(kamal-secret get RAILS_MASTER_KEY)\n', secrets: `${clean}COPY=$SHARED\n` },
      [],
      'cross-file-reference:3:COPY',
    ],
  ];
  for (const [label, files, args, expected] of pitfalls) {
    it(`pitfall ${label}: ${expected}`, async () => {
      const { code, codes } = await checkApp(files, args);
      expect(codes).toContain(expected);
      expect(code).toBe(1);
    });
  }

  it('pitfall 6: a value with $ through $(…) is an error on dotenv 3.2 only', async () => {
    await box.set('shop/DB_PASS', 'pa$word1');
    const secrets = { secrets: `${clean}DB_PASS=$(kamal-secret get DB_PASS)\n` };
    expect((await checkApp(secrets, ['--dotenv', '3.2'])).codes).toEqual(['dollar-in-command:3:DB_PASS']);
    expect((await checkApp(secrets, ['--dotenv', '3.1'])).codes).toEqual([]);
    const both = await checkApp(secrets);
    expect(both.report.findings.find((f: { code: string }) => f.code === 'dollar-in-command').message).toMatch(
      /dotenv 3\.2/,
    );
    // Env mode delivers it intact on both: no error.
    expect((await checkApp({ secrets: `${clean}DB_PASS=$DB_PASS\n` })).codes).toEqual([]);
  });

  it('pitfall 8: the plaintext .env hack and literal values are flagged', async () => {
    const { report } = await checkApp({
      secrets: `${clean}DB=$(cat .env | grep DB | cut -d '=' -f 2)\nLITERAL=hunter2hunter2\n`,
    });
    const codes = report.findings.map((f: { code: string }) => f.code);
    expect(codes).toContain('plaintext-env');
    expect(codes).toContain('literal-value');
    expect(JSON.stringify(report)).not.toContain('hunter2hunter2');
  });

  // Each outcome below was checked against real Kamal 2.12 (dotenv 3.1.8 and 3.2.0).
  it("Rails 8's generated .kamal/secrets: clean with config/master.key, an error without it", async () => {
    const rails = [
      '# Example of extracting secrets from 1password (or another compatible pw manager)',
      '# SECRETS=$(kamal secrets fetch --adapter 1password --account your-account --from Vault/Item KAMAL_REGISTRY_PASSWORD RAILS_MASTER_KEY)',
      '# KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract KAMAL_REGISTRY_PASSWORD ${SECRETS})',
      '',
      '# Grab the registry password from ENV',
      'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD',
      '',
      '# Improve security by using a password manager. Never check config/master.key into git!',
      'RAILS_MASTER_KEY=$(cat config/master.key)',
      '',
    ].join('\n');
    expect((await checkApp({ secrets: rails })).codes).toEqual(['command-failed:9:RAILS_MASTER_KEY']);
    box.write({ 'app/config/master.key': 'c0ffee00c0ffee00c0ffee00c0ffee00' });
    const withKey = await checkApp({ secrets: rails });
    expect(withKey.code).toBe(0);
    expect(withKey.report.findings).toEqual([]);
  });

  it('evaluates cat and the .env grep | cut hack by reading the files, running nothing', async () => {
    box.write({
      'app/config/master.key': '0123456789abcdef\n',
      'app/.env':
        'KAMAL_REGISTRY_PASSWORD=registry-password\nB64=YWJjZA==\nQUOTED="q-value"\nPLAIN=plain-value\nPREFIXED=one\nPREFIXED_OLD=two\nSPACED = spaced-value\nTRAILING=value # note\n',
    });
    const { codes, report } = await checkApp({
      secrets: [
        "KAMAL_REGISTRY_PASSWORD=$(cat .env | grep KAMAL_REGISTRY_PASSWORD | cut -d '=' -f 2)",
        'RAILS_MASTER_KEY=$(cat config/master.key)',
        "B64=$(cat .env | grep B64 | cut -d '=' -f 2)",
        'QUOTED=$(grep QUOTED .env | cut -d= -f2)',
        'PLAIN=$(grep ^PLAIN= .env | cut -d = -f 2-)',
        "PREFIXED=$(cat .env | grep PREFIXED | cut -d '=' -f 2)",
        'MISSING=$(cat config/missing.key)',
        "NOT_THERE=$(cat .env | grep NOT_THERE | cut -d '=' -f 2)",
        'ENDLESS=$(cat /dev/urandom | head -1)',
        'SPACED=$(grep SPACED .env | cut -d = -f 2)',
        'TRAILING=$(grep ^TRAILING= .env | cut -d = -f 2-)',
        '',
      ].join('\n'),
    });
    expect(codes).toEqual([
      'env-file-extract:3:B64',
      'env-file-extract:4:QUOTED',
      'env-file-extract:6:PREFIXED',
      'command-failed:7:MISSING',
      'command-empty:8:NOT_THERE',
      'env-file-extract:10:SPACED',
      'env-file-extract:11:TRAILING',
    ]);
    const messages = report.findings.map((f: { message: string }) => f.message).join('\n');
    expect(messages).toMatch(/holds "=", and cut keeps only the text before it/);
    expect(messages).toMatch(/cut keeps the quotes/);
    expect(messages).toMatch(/grep PREFIXED matches 2 lines/);
    expect(messages).toMatch(/cut keeps the white space around the value/);
    expect(messages).toMatch(/cut keeps the comment after the value/);
    expect(messages).toMatch(/cat: config\/missing\.key: No such file or directory/);
    // Only regular files are read: a device is left to --exec.
    expect(
      report.findings
        .filter((f: { code: string }) => f.code === 'command-not-run')
        .map((f: { name: string }) => f.name),
    ).toEqual(['ENDLESS']);
    for (const value of ['YWJjZA', 'q-value', 'plain-value', '0123456789abcdef'])
      expect(JSON.stringify(report)).not.toContain(value);
  });

  it('pitfall 9: a destination file that leaves out a name only in plain .kamal/secrets', async () => {
    box.write({ 'app/config/deploy.staging.yml': 'servers: [192.0.2.11]\n' });
    const { report, codes } = await checkApp(
      { secrets: `${clean}EXTRA=$EXTRA\n`, 'secrets.staging': 'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\n' },
      ['-d', 'staging'],
    );
    expect(codes).toContain('missing-secret:null:RAILS_MASTER_KEY');
    expect(report.findings.map((f: { code: string; name: string }) => `${f.code}:${f.name}`)).toContain(
      'destination-drops-name:EXTRA',
    );
  });

  it('pitfall 10: a vault value with "$(" through NAME=$NAME is an error on dotenv 3.1', async () => {
    await box.set('shop/TRICKY', 'x$(echo injected)y');
    const { report, codes } = await checkApp({ secrets: `${clean}TRICKY=$TRICKY\n` });
    expect(codes).toEqual(['command-text-via-env:3:TRICKY']);
    expect(report.findings[0].message).toMatch(/3\.1/);
  });

  // Found by comparing check with real Kamal 2.12 on dotenv 3.1.8 and 3.2.0.
  it('raises no error for forms Kamal delivers as meant', async () => {
    const { codes } = await checkApp({
      secrets: `${clean}C=$(kamal-secret get RAILS_MASTER_KEY)   # a comment after white space\nESCAPED=a\\\\b\nQ="say \\"hi\\""\nS='single $x # kept'\n`,
    });
    expect(codes).toEqual([]);
  });

  it('a needed name written empty is an error; an overridden or unneeded empty line is not', async () => {
    expect(
      (await checkApp({ secrets: 'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\nRAILS_MASTER_KEY=\n' })).codes,
    ).toEqual(['empty-value:2:RAILS_MASTER_KEY']);
    expect((await checkApp({ secrets: `RAILS_MASTER_KEY=''\nUNUSED=\n${clean}` })).codes).toEqual([]);
  });

  it("single quotes around a vault name's reference deliver the text, not the value", async () => {
    const { codes } = await checkApp({
      secrets: `${clean}RAILS_MASTER_KEY='$RAILS_MASTER_KEY'\nURL='postgres://u:\${KAMAL_REGISTRY_PASSWORD}@db/app'\nPASSWORD='$abc-literal'\n`,
    });
    expect(codes).toEqual(['single-quoted-variable:3:RAILS_MASTER_KEY', 'single-quoted-variable:4:URL']);
  });

  it('the fetch/extract pattern: errors on the names that arrive altered, not on the JSON in between', async () => {
    await box.set('shop/DB_PASS', 'pa$word1');
    const { codes } = await checkApp(
      {
        secrets: `${clean}SECRETS=$(kamal-secret fetch RAILS_MASTER_KEY DB_PASS)\nRAILS_MASTER_KEY=$(kamal secrets extract RAILS_MASTER_KEY \${SECRETS})\nDB_PASS=$(kamal secrets extract DB_PASS \${SECRETS})\n`,
      },
      [],
      DEPLOY.replace('[RAILS_MASTER_KEY]', '[RAILS_MASTER_KEY, DB_PASS]'),
    );
    expect(codes).toEqual(['dollar-in-command:5:DB_PASS']);
  });

  it('kamal secrets lines run inside Kamal: no PATH lookup; a missing adapter CLI or an unknown adapter aborts Kamal', async () => {
    const onlyOurs = { PATH: box.path('bin') }; // neither kamal nor op on PATH
    const fetch = (adapter: string) =>
      `${clean}SECRETS=$(kamal secrets fetch --adapter ${adapter} --account a --from V/I RAILS_MASTER_KEY)\nX=$(kamal secrets extract RAILS_MASTER_KEY $SECRETS)\n`;
    const missingCli = await checkApp({ secrets: fetch('1password') }, [], DEPLOY, onlyOurs);
    expect(missingCli.codes).toEqual(['kamal-aborts:3:SECRETS']);
    expect(missingCli.report.findings[0].message).toMatch(
      /op is not on PATH, and Kamal aborts with "1Password CLI is not installed"/,
    );
    expect((await checkApp({ secrets: fetch('keepass') }, [], DEPLOY, onlyOurs)).codes).toEqual([
      'kamal-aborts:3:SECRETS',
    ]);
    // Kamal's own test adapter answers every name reversed: evaluated exactly, no error.
    expect((await checkApp({ secrets: fetch('test') }, [], DEPLOY, onlyOurs)).codes).toEqual([]);
  });

  it('a program missing from PATH empties the whole file: names defined before it are missing too', async () => {
    const { codes } = await checkApp({ secrets: `${clean}X=$(no-such-program get X)\n` });
    expect(codes).toEqual(
      expect.arrayContaining([
        'command-not-found:3:null',
        'missing-secret:null:RAILS_MASTER_KEY',
        'missing-secret:null:KAMAL_REGISTRY_PASSWORD',
      ]),
    );
  });

  it('with the vault locked, names it might provide are warnings, not errors', async () => {
    await box.run(['lock']);
    box.write({
      'app/config/deploy.yml': DEPLOY,
      'app/.kamal/secrets': 'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\nRAILS_MASTER_KEY=$RAILS_MASTER_KEY\n',
    });
    const r = await box.run(['check', '--json'], {
      cwd: box.path('app'),
      env: { ...env, KAMAL_SECRET_PASSPHRASE: undefined, KAMAL_SECRET_NO_AGENT: undefined },
    });
    expect(r.stderr).toMatch(/the vault was not read/);
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: { severity: string; code: string }) => `${f.severity}:${f.code}`)).toEqual([
      'warning:unset-variable',
      'warning:unset-variable',
    ]);
    expect(r.code).toBe(0);
  });

  it('JSON findings have the pinned shape and never a value', async () => {
    const { report } = await checkApp({ secrets: `${clean}NOPE=$(kamal-secret get NOPE)\n` });
    for (const f of report.findings) {
      expect(Object.keys(f).sort()).toEqual(['code', 'file', 'fix', 'line', 'message', 'name', 'severity']);
    }
    expect(JSON.stringify(report)).not.toContain('master-key-value');
  });

  it('human output names file:line and exits 1 on errors', async () => {
    box.write({ 'app/config/deploy.yml': DEPLOY, 'app/.kamal/secrets': `${clean}C=$(kamal-secret get NOPE)\n` });
    const r = await box.run(['check'], { cwd: box.path('app'), env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\.kamal\/secrets:3: error: .* \[command-failed\]\n {4}fix: if NOPE is spelt right, add it: kamal-secret set shop\/NOPE/,
    );
  });
});

describe('run', () => {
  it('exports the visible secrets, inner scopes winning, and exits with the child status', async () => {
    await box.set('shop/production/RAILS_MASTER_KEY', 'prod-master');
    box.write({ 'app/config/deploy.yml': DEPLOY });
    const cwd = box.path('app');
    const r = await box.run(
      ['run', '-d', 'production', '--', 'sh', '-c', 'echo "$RAILS_MASTER_KEY|$KAMAL_REGISTRY_PASSWORD"; exit 3'],
      { cwd, env },
    );
    expect(r.stdout).toBe('prod-master|registry-password\n');
    expect(r.code).toBe(3);
  });

  it('vault values override the environment unless --preserve-env', async () => {
    const cmd = ['--', 'sh', '-c', 'echo "$KAMAL_REGISTRY_PASSWORD"'];
    expect((await box.run(['run', ...cmd], { env: { KAMAL_REGISTRY_PASSWORD: 'from-env' } })).stdout).toBe(
      'registry-password\n',
    );
    expect(
      (await box.run(['run', '--preserve-env', ...cmd], { env: { KAMAL_REGISTRY_PASSWORD: 'from-env' } })).stdout,
    ).toBe('from-env\n');
  });

  it('takes the destination from `kamal … -d DEST` and warns about names nobody provides', async () => {
    await box.set('shop/staging/RAILS_MASTER_KEY', 'staging-master');
    box.write({
      'app/config/deploy.yml': DEPLOY,
      'app/config/deploy.staging.yml': 'servers: [192.0.2.11]\n',
      'app/.kamal/secrets.staging': 'RAILS_MASTER_KEY=$RAILS_MASTER_KEY\nGHOST=$GHOST\n',
      'bin/kamal': '#!/bin/sh\necho "kamal $* with $RAILS_MASTER_KEY"\n',
    });
    fs.chmodSync(box.path('bin/kamal'), 0o755);
    const r = await box.run(['run', '--', 'kamal', 'deploy', '-d', 'staging'], { cwd: box.path('app'), env });
    expect(r.stdout).toBe('kamal deploy -d staging with staging-master\n');
    expect(r.stderr).toMatch(/warning: GHOST: .* reads \$GHOST/);
    expect(r.stderr).not.toMatch(/RAILS_MASTER_KEY:/);
  });

  it('forwards SIGTERM to the child and exits with its status', async () => {
    const child = (await import('node:child_process')).spawn(
      process.execPath,
      [BIN, 'run', '--', 'sh', '-c', 'trap "echo got-term; exit 42" TERM; echo ready; while :; do sleep 0.1; done'],
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
    // 'close', not 'exit': the last of stdout may still be in the pipe when 'exit' fires.
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(out).toContain('got-term');
    expect(code).toBe(42);
  });

  it('a missing command exits 127 with one line', async () => {
    const r = await box.run(['run', '--', 'no-such-command-here']);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('kamal-secret: no-such-command-here: command not found\n');
  });
});

describe('fetch and kamal init', () => {
  it('fetch prints shell-escaped JSON that `kamal secrets extract` reads back', async () => {
    await box.set('shop/DB_PASS', "pa$word 'quoted'");
    const r = await box.run(['fetch', 'DB_PASS', 'RAILS_MASTER_KEY', '--scope', 'shop']);
    const words = (await import('../../src/kamal/dotenv-model.js')).shellSplit(
      `kamal secrets extract DB_PASS ${r.stdout.trim()}`,
    );
    expect(JSON.parse(words[4])).toEqual({ DB_PASS: "pa$word 'quoted'", RAILS_MASTER_KEY: 'master-key-value' });
  });

  it('kamal init writes env-mode secrets and a POSIX pre-connect hook that refuses empty secrets', async () => {
    box.write({ 'app/config/deploy.yml': DEPLOY, 'app/.kamal/hooks/pre-connect': '#!/bin/sh\necho old-hook-ran\n' });
    const cwd = box.path('app');
    const r = await box.run(['kamal', 'init'], { cwd });
    expect(r.code).toBe(0);
    expect(fs.readFileSync(box.path('app/.kamal/secrets'), 'utf8')).toContain(
      'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD\nRAILS_MASTER_KEY=$RAILS_MASTER_KEY\n',
    );
    const hook = box.path('app/.kamal/hooks/pre-connect');
    expect(fs.statSync(hook).mode & 0o111).toBe(0o111);
    const bad = await runProcess('sh', [hook], { cwd, env: { KAMAL_REGISTRY_PASSWORD: 'x', RAILS_MASTER_KEY: '' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('these secrets are empty: RAILS_MASTER_KEY');
    const good = await runProcess('sh', [hook], {
      cwd,
      env: { KAMAL_REGISTRY_PASSWORD: 'secret-one', RAILS_MASTER_KEY: 'secret-two' },
    });
    expect(good).toMatchObject({ code: 0, stdout: 'old-hook-ran\n' });
    expect(good.stdout + good.stderr).not.toContain('secret-two');
    const again = await box.run(['kamal', 'init'], { cwd });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; refusing to overwrite it; use --force/);
    expect(path.basename(hook)).toBe('pre-connect');
  });

  it('kamal init in an app with destinations writes .kamal/secrets-common, which every deploy reads', async () => {
    box.write({ 'app/config/deploy.yml': DEPLOY, 'app/config/deploy.production.yml': 'servers: [192.0.2.11]\n' });
    await box.set('shop/production/RAILS_MASTER_KEY', 'prod-master');
    const cwd = box.path('app');
    expect((await box.run(['kamal', 'init'], { cwd })).stdout).toMatch(/^wrote \.kamal\/secrets-common with 2 names/);
    expect(fs.existsSync(box.path('app/.kamal/secrets'))).toBe(false);
    const r = await box.run(['check', '-d', 'production'], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/checked \.kamal\/secrets-common: 0 errors, 0 warnings/);
  });
});

describe('destinations', () => {
  // production needs PROD_ONLY; staging does not. Both share the registry password and master key.
  const deployFiles = {
    'app/config/deploy.yml': `${DEPLOY}builder:\n  arch: amd64\n`,
    'app/config/deploy.production.yml': 'env:\n  secret: [RAILS_MASTER_KEY, PROD_ONLY]\n',
    'app/config/deploy.staging.yml': 'servers: [192.0.2.12]\n',
  };

  /**
   * The pre-connect hook run as Kamal runs it for `kamal-secret run -- kamal deploy -d D`:
   * in the app, with run's environment, KAMAL_DESTINATION and every secret Kamal parsed
   * (from real Kamal when it is here; in env mode they are run's values either way).
   */
  async function runHook(destination: string, driver: KamalDriver | null) {
    const cwd = box.path('app');
    const dumped = await box.run(
      ['run', '-d', destination, '--', process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.env))'],
      { cwd, env },
    );
    const runEnv: Record<string, string> = JSON.parse(dumped.stdout);
    const parsed = driver ? await driver.evaluate({ app: cwd, destination, env: runEnv }) : { secrets: {} };
    if (!('secrets' in parsed)) throw new Error(`Kamal aborts: ${JSON.stringify(parsed)}`);
    return runProcess('sh', [box.path('app/.kamal/hooks/pre-connect')], {
      cwd,
      env: { ...runEnv, ...parsed.secrets, KAMAL_DESTINATION: destination },
    });
  }

  it(`a fresh kamal init passes check -d D and the pre-connect hook for every D${realKamalSkipReason}`, {
    timeout: 900_000,
  }, async () => {
    box.write(deployFiles);
    await box.set('shop/production/PROD_ONLY', 'prod-only-value');
    const cwd = box.path('app');
    const init = await box.run(['kamal', 'init'], { cwd });
    expect(init.stdout).toMatch(
      /wrote \.kamal\/secrets-common with 2 names: KAMAL_REGISTRY_PASSWORD RAILS_MASTER_KEY\n/,
    );
    expect(init.stdout).toMatch(/wrote \.kamal\/secrets\.production with 1 names: PROD_ONLY\n/);
    expect(fs.readFileSync(box.path('app/.kamal/secrets.production'), 'utf8')).toMatch(/^PROD_ONLY=\$PROD_ONLY$/m);
    const driver = realKamalAvailable ? new KamalDriver('3.2') : null;
    try {
      for (const destination of ['production', 'staging']) {
        const checked = await box.run(['check', '-d', destination], { cwd, env });
        expect(checked.code, checked.stdout).toBe(0);
        const hook = await runHook(destination, driver);
        expect(hook.code, hook.stderr).toBe(0);
      }
    } finally {
      driver?.close();
    }
  });

  it('a name only one destination needs, in secrets-common, blocks the others: check says so, and so does the hook', async () => {
    box.write(deployFiles);
    await box.set('shop/production/PROD_ONLY', 'prod-only-value');
    const cwd = box.path('app');
    await box.run(['kamal', 'init'], { cwd });
    fs.rmSync(box.path('app/.kamal/secrets.production'));
    fs.appendFileSync(box.path('app/.kamal/secrets-common'), 'PROD_ONLY=$PROD_ONLY\n');
    expect((await box.run(['check', '-d', 'production'], { cwd, env })).code).toBe(0);
    const staging = await box.run(['check', '-d', 'staging', '--json'], { cwd, env });
    expect(staging.code).toBe(1);
    const [finding] = JSON.parse(staging.stdout).findings;
    expect(finding).toMatchObject({
      file: '.kamal/secrets-common',
      name: 'PROD_ONLY',
      severity: 'error',
      code: 'destination-only-name',
      fix: 'move the line to .kamal/secrets.production',
    });
    expect(finding.message).toMatch(/pre-connect hook refuses/);
    const hook = await runHook('staging', null);
    expect(hook).toMatchObject({ code: 1, stderr: expect.stringContaining('these secrets are empty: PROD_ONLY') });
  });
});
