// The core commands, driven as a user drives them: command, stdin, stdout, stderr, exit code.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, runProcess, Sandbox } from '../helpers/cli.js';

let box: Sandbox;
/** For a test of many commands: through a warm agent, so that only the first pays for Argon2id. */
async function withAgent(test: (agentBox: Sandbox) => Promise<void>): Promise<void> {
  const agentBox = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  try {
    await agentBox.init();
    await test(agentBox);
  } finally {
    await agentBox.cleanup();
  }
}
beforeEach(async () => {
  box = new Sandbox();
  await box.init();
});
afterEach(() => box.cleanup());

describe('init', () => {
  it('creates a 0600 vault in a 0700 directory and says where the key went', async () => {
    const other = new Sandbox();
    const r = await other.run(['init', '--no-keychain']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`created the vault ${other.vault}`);
    expect(r.stdout).toContain('passphrase only');
    expect(fs.statSync(other.vault).mode & 0o777).toBe(0o600);
    expect(fs.statSync(other.path('data')).mode & 0o777).toBe(0o700);
    await other.cleanup();
  });

  it('takes the passphrase as one line on stdin', async () => {
    const other = new Sandbox({ KAMAL_SECRET_PASSPHRASE: undefined });
    expect(
      (await other.run(['init', '--no-keychain', '--passphrase-stdin'], { input: 'from stdin pass\n' })).code,
    ).toBe(0);
    expect((await other.run(['list'], { env: { KAMAL_SECRET_PASSPHRASE: 'from stdin pass' } })).code).toBe(0);
    await other.cleanup();
  });

  it('a vault directory that cannot be created, or a vault path that is a directory, is one line', async () => {
    box.write({ 'a-file': 'not a directory' });
    const r = await box.run(['init'], { env: { KAMAL_SECRET_VAULT: box.path('a-file/vault/vault.json') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^kamal-secret: cannot create the vault directory .*a-file\/vault: .*not a directory.*; set KAMAL_SECRET_VAULT to a path you can write\n$/,
    );
    fs.mkdirSync(box.path('a-dir'), { mode: 0o700 });
    for (const cmd of ['init', 'list']) {
      const dir = await box.run([cmd], { env: { KAMAL_SECRET_VAULT: box.path('a-dir') } });
      expect({ cmd, code: dir.code, stderr: dir.stderr }).toEqual({
        cmd,
        code: 1,
        stderr: `kamal-secret: the vault path ${box.path('a-dir')} is a directory; set KAMAL_SECRET_VAULT to a file in it, like ${box.path('a-dir/vault.json')}\n`,
      });
    }
  });

  it('refuses to replace an existing vault', async () => {
    const before = fs.readFileSync(box.vault);
    const r = await box.run(['init', '--no-keychain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^kamal-secret: a vault already exists at .*; refusing to replace it/);
    expect(fs.readFileSync(box.vault)).toEqual(before);
  });

  it('without a passphrase source and no terminal, says how to give one', async () => {
    const other = new Sandbox({ KAMAL_SECRET_PASSPHRASE: undefined });
    const r = await other.run(['init', '--no-keychain']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--passphrase-stdin, or set KAMAL_SECRET_PASSPHRASE/);
    expect(fs.existsSync(other.vault)).toBe(false);
    await other.cleanup();
  });
});

describe('set and get', () => {
  it('stores from stdin (one trailing newline dropped) and prints value plus newline', async () => {
    const r = await box.run(['set', 'API_KEY'], { input: 's3cr3t-value\n' });
    expect(r).toMatchObject({ code: 0, stdout: 'created API_KEY\n' });
    expect((await box.run(['get', 'API_KEY'])).stdout).toBe('s3cr3t-value\n');
    expect((await box.run(['set', 'API_KEY'], { input: 'other-value' })).stdout).toBe('updated API_KEY\n');
  });

  it('reads --file byte for byte and never prints the value', async () => {
    box.write({ 'master.key': 'abc123def456\n' });
    const r = await box.run(['set', 'RAILS_MASTER_KEY', '--file', box.path('master.key')]);
    expect(r.stdout).toBe('created RAILS_MASTER_KEY\n');
    expect(r.stdout + r.stderr).not.toContain('abc123def456');
    expect((await box.run(['get', 'RAILS_MASTER_KEY'])).stdout).toBe('abc123def456\n\n');
  });

  it('generates URL-safe values of the asked length', async () => {
    await box.run(['set', 'GEN', '--generate']);
    await box.run(['set', 'GEN64', '--generate', '64']);
    expect((await box.run(['get', 'GEN'])).stdout).toMatch(/^[A-Za-z0-9_-]{32}\n$/);
    expect((await box.run(['get', 'GEN64'])).stdout).toMatch(/^[A-Za-z0-9_-]{64}\n$/);
  });

  it('--generate replaces a stored value only with --force, and then says updated', async () => {
    await box.set('shop/SECRET_KEY_BASE', 'the-stored-value');
    const refused = await box.run(['set', 'shop/SECRET_KEY_BASE', '--generate']);
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'kamal-secret: shop/SECRET_KEY_BASE already holds a value; --generate would replace it; add --force to replace it\n',
    });
    expect((await box.run(['get', 'shop/SECRET_KEY_BASE'])).stdout).toBe('the-stored-value\n');
    const forced = await box.run(['set', 'shop/SECRET_KEY_BASE', '--generate', '--force']);
    expect(forced).toMatchObject({ code: 0, stdout: 'updated shop/SECRET_KEY_BASE\n' });
    expect((await box.run(['get', 'shop/SECRET_KEY_BASE'])).stdout).toMatch(/^[A-Za-z0-9_-]{32}\n$/);
    // Only the exact scope counts: a global value of the same name is not replaced.
    await box.set('SECRET_KEY_BASE', 'global-value');
    expect((await box.run(['set', 'other/SECRET_KEY_BASE', '--generate'])).stdout).toBe(
      'created other/SECRET_KEY_BASE\n',
    );
  });

  it('refuses a value on the command line and changes nothing', async () => {
    const before = fs.readFileSync(box.vault);
    const r = await box.run(['set', 'PASSWORD', 'hunter2-on-argv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing a secret value on the command line/);
    expect(r.stderr).not.toContain('hunter2-on-argv');
    expect(fs.readFileSync(box.vault)).toEqual(before);
  });

  it('refuses an unreadable --file, an empty value, invalid names and scopes', async () => {
    const before = fs.readFileSync(box.vault);
    const cases: [string[], string, number, RegExp][] = [
      [['set', 'X', '--file', box.path('missing')], '', 1, /cannot read .*missing: no such file/],
      [['set', 'X'], '', 1, /the value for X is empty/],
      [['set', '9LIVES'], 'v', 2, /invalid secret name "9LIVES"/],
      [['set', 'BAD-NAME'], 'v', 2, /invalid secret name/],
      [['set', 'app/dest/extra/NAME'], 'v', 2, /invalid scope "app\/dest\/extra"/],
      [['set', '-app/NAME'], 'v', 2, /unknown option|invalid scope/],
      [['set', 'NAME', '--scope', 'bad scope'], 'v', 2, /invalid scope "bad scope"/],
      [['get', 'x.y'], '', 2, /invalid secret name/],
    ];
    for (const [args, input, code, message] of cases) {
      const r = await box.run(args, { input });
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
    expect(fs.readFileSync(box.vault)).toEqual(before);
  });

  it('get of a missing name: empty stdout, every scope searched on stderr, exit 1', async () => {
    const r = await box.run(['get', 'NOPE', '--scope', 'shop/production']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toContain('searched shop/production/NOPE, shop/NOPE, NOPE (global)');
  });

  it('names Object.prototype has are secrets like any other: absent until set, then stored and found', async () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      const missing = await box.run(['get', name]);
      expect({ name, code: missing.code, stdout: missing.stdout }).toEqual({ name, code: 1, stdout: '' });
      expect(missing.stderr).toBe(
        `kamal-secret: ${name} not found in the global scope; add it with: kamal-secret set :${name}\n`,
      );
      expect((await box.run(['rm', name])).code).toBe(1);
      expect((await box.run(['set', name], { input: `value-of-${name}` })).code).toBe(0);
    }
    for (const name of ['toString', 'constructor', '__proto__']) {
      expect(await box.run(['get', name])).toMatchObject({ code: 0, stdout: `value-of-${name}\n` });
    }
    expect((await box.run(['list'])).stdout).toContain('__proto__');

    // run hands them to the command, with --preserve-env too (no variable of those names is set)
    const printEnv = [
      process.execPath,
      '-e',
      'for (const n of ["toString", "constructor", "__proto__"]) console.log(n + "=" + process.env[n])',
    ];
    const expected = ['toString', 'constructor', '__proto__'].map((n) => `${n}=value-of-${n}`).join('\n');
    for (const flags of [[], ['--preserve-env']]) {
      expect(await box.run(['run', ...flags, '--', ...printEnv])).toMatchObject({ code: 0, stdout: `${expected}\n` });
    }
    // fetch prints every one of them
    const fetched = await box.run(['fetch', 'toString', '__proto__']);
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toContain('__proto__');
    expect(fetched.stdout).toContain('toString');
    // import says it cannot read a __proto__ line, instead of losing it without a word
    box.write({ 'names.env': '__proto__=from-file\nOTHER=other-value\n' });
    const imported = await box.run(['import', box.path('names.env'), '--scope', 'shop']);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('skipping __proto__: the dotenv parser cannot read that name');
    expect(imported.stderr).not.toContain('from-file');
  });

  it('wrong passphrase: one line, exit 1, vault untouched', async () => {
    const before = fs.readFileSync(box.vault);
    const r = await box.run(['set', 'X'], { input: 'value', env: { KAMAL_SECRET_PASSPHRASE: 'wrong' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`kamal-secret: wrong passphrase for the vault ${box.vault}\n`);
    expect(fs.readFileSync(box.vault)).toEqual(before);
  });

  it('without a passphrase and no terminal, exits 3 and names the fix', async () => {
    const r = await box.run(['get', 'X'], { env: { KAMAL_SECRET_PASSPHRASE: undefined } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/run: kamal-secret unlock/);
  });

  it('get warns, when Kamal captures its output, that a "$" in the value may be altered', async () => {
    await box.set('DB_PASS', 'pa$word1');
    const r = await box.run(['get', 'DB_PASS']);
    expect(r.stdout).toBe('pa$word1\n');
    expect(r.stderr).toMatch(/DB_PASS contains "\$", which Kamal's dotenv 3\.2 expands .* NAME=\$NAME/);
    expect(r.stderr).not.toContain('pa$word1');
    await box.set('PLAIN_ONE', 'plain-value-1');
    expect((await box.run(['get', 'PLAIN_ONE'])).stderr).toBe('');
  });

  it('warns when a value will not survive Kamal, outside an app (where any name may be read)', async () => {
    const r = await box.run(['set', 'DB_PASS'], { input: 'pa$word1' });
    expect(r.stderr).toMatch(/DB_PASS contains "\$"/);
    expect(r.stderr).not.toContain('pa$word1');
  });

  it('warns that GitLab cannot mask a value only where GitLab is in use', () =>
    withAgent(async (box) => {
      const unmaskable =
        /PIN cannot be a masked GitLab variable: shorter than 8 characters \(4\): GitLab cannot mask it/;
      expect((await box.run(['set', 'PIN'], { input: '1234' })).stderr).toBe('');
      const token = await box.run(['set', 'PIN'], { input: '1234', env: { GITLAB_TOKEN: 'glpat-test-token' } });
      expect(token.stderr).toMatch(unmaskable);
      expect(token.stderr).not.toContain('1234');
      expect((await box.run(['set', 'PIN', '--gitlab'], { input: '1234' })).stderr).toMatch(unmaskable);
      box.write({
        'repo/.git/HEAD': 'ref: refs/heads/main\n',
        'repo/.gitlab-ci.yml': 'deploy: {}\n',
        'repo/app/.keep': '',
      });
      expect((await box.run(['set', 'PIN'], { input: '1234', cwd: box.path('repo/app') })).stderr).toMatch(unmaskable);
      await box.set('shop/GITLAB_TOKEN', 'glpat-in-the-vault');
      expect((await box.run(['set', 'shop/production/PIN'], { input: '1234' })).stderr).toMatch(
        /PIN cannot be a masked/,
      );
      expect((await box.run(['set', 'other/PIN'], { input: '1234' })).stderr).toBe('');
    }));

  it("warns that Kamal alters a value only for names the app's deploy.yml or secrets files use", () =>
    withAgent(async (box) => {
      box.write({
        'app/config/deploy.yml': 'service: shop\nimage: x/shop\nenv:\n  secret:\n    - RAILS_MASTER_KEY\n',
        'app/config/deploy.production.yml': 'env:\n  secret:\n    - TLS_CERT\n',
        'app/.kamal/secrets-common': 'RAILS_MASTER_KEY=$RAILS_MASTER_KEY\nDATABASE_URL=$PRIMARY_DB_URL\n',
        'key.pem': '-----BEGIN KEY-----\nabc\n-----END KEY-----\n',
      });
      const setFile = (name: string) => box.run(['set', name, '--file', box.path('key.pem')], { cwd: box.path('app') });
      const multiline = /spans several lines: Kamal writes it escaped/;
      expect((await setFile('SSH_PRIVATE_KEY')).stderr).toBe('');
      expect((await setFile('RAILS_MASTER_KEY')).stderr).toMatch(multiline);
      expect((await setFile('TLS_CERT')).stderr).toMatch(multiline);
      expect((await setFile('PRIMARY_DB_URL')).stderr).toMatch(multiline);
      expect((await box.run(['set', 'SSH_PRIVATE_KEY', '--file', box.path('key.pem')])).stderr).toMatch(multiline);
    }));
});

describe('scopes', () => {
  it('lookup walks APP/DEST, then APP, then global; writes go to exactly the scope', async () => {
    await box.set('REGISTRY_PASSWORD', 'global-registry');
    await box.set('shop/RAILS_MASTER_KEY', 'shop-master');
    await box.set('shop/production/DATABASE_URL', 'prod-db');
    await box.set('DATABASE_URL', 'global-db');
    const get = async (args: string[], env = {}) => (await box.run(['get', ...args], { env })).stdout.trim();
    expect(await get(['DATABASE_URL', '--scope', 'shop/production'])).toBe('prod-db');
    expect(await get(['DATABASE_URL', '--scope', 'shop', '-d', 'staging'])).toBe('global-db');
    expect(await get(['RAILS_MASTER_KEY'], { KAMAL_SECRET_SCOPE: 'shop/production' })).toBe('shop-master');
    expect(await get(['REGISTRY_PASSWORD', '--scope', 'shop/production'])).toBe('global-registry');
    expect(await get(['shop/production/DATABASE_URL'])).toBe('prod-db');
  });

  it('defaults to the service of the nearest config/deploy.yml and KAMAL_DESTINATION', async () => {
    box.write({ 'app/config/deploy.yml': 'service: shop # the app\nimage: x/shop\n', 'app/sub/dir/.keep': '' });
    const cwd = box.path('app/sub/dir');
    expect((await box.run(['set', 'TOKEN'], { input: 'app-level', cwd })).stdout).toBe('created shop/TOKEN\n');
    expect((await box.run(['set', 'TOKEN', '-d', 'production'], { input: 'prod-level', cwd })).stdout).toBe(
      'created shop/production/TOKEN\n',
    );
    expect((await box.run(['get', 'TOKEN'], { cwd })).stdout).toBe('app-level\n');
    expect((await box.run(['get', 'TOKEN'], { cwd, env: { KAMAL_DESTINATION: 'production' } })).stdout).toBe(
      'prod-level\n',
    );
    expect((await box.run(['set', 'TOKEN', '--global'], { input: 'global-level', cwd })).stdout).toBe(
      'created TOKEN\n',
    );
  });

  it('a deploy.yml service that cannot be a scope is named, with the way out', async () => {
    box.write({ 'app/config/deploy.yml': 'service: shop/admin\nimage: x/shop\n' });
    const r = await box.run(['get', 'TOKEN'], { cwd: box.path('app') });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `kamal-secret: service "shop/admin" in ${box.path('app/config/deploy.yml')} cannot be a scope (Kamal allows letters, digits, "-" and "_"): fix it, or give --scope APP\n`,
    );
    expect((await box.run(['get', 'TOKEN', '--scope', 'shop'], { cwd: box.path('app') })).code).toBe(1);
  });

  it(':NAME names the global scope inside an app, for set, get, fetch, mv and rm', async () => {
    box.write({ 'app/config/deploy.yml': 'service: shop\n' });
    const inApp = (args: string[], input = '') => box.run(args, { cwd: box.path('app'), input });
    expect((await inApp(['set', 'X'], 'x-value-1')).stdout).toBe('created shop/X\n');
    expect(await inApp(['mv', 'shop/X', 'X'])).toMatchObject({
      code: 2,
      stderr:
        'kamal-secret: shop/X and X are the same secret, shop/X; a bare NAME is in scope shop on both sides; write :X for the global scope, or APP/NAME\n',
    });
    expect((await inApp(['mv', 'X', ':X'])).stdout).toBe('moved shop/X to X\n');
    expect((await inApp(['get', ':X'])).stdout).toBe('x-value-1\n');
    expect((await inApp(['set', ':Y'], 'y-value-1')).stdout).toBe('created Y\n');
    expect((await inApp(['fetch', ':Y'])).stdout).toBe('\\{\\"Y\\":\\"y-value-1\\"\\}\n');
    expect(await inApp(['rm', 'X'])).toMatchObject({
      code: 1,
      stderr: 'kamal-secret: X does not exist in scope shop; it exists as :X: kamal-secret rm :X\n',
    });
    expect(await inApp(['mv', ':Y', 'X'])).toMatchObject({ code: 0, stdout: 'moved Y to shop/X\n' });
    expect(await inApp(['mv', 'shop/X', ':X'])).toMatchObject({
      code: 1,
      stderr: 'kamal-secret: :X already exists; remove it first: kamal-secret rm :X\n',
    });
    expect((await inApp(['rm', ':X'])).stdout).toBe('removed X\n');
    expect((await inApp(['get', ':X'])).stderr).toBe(
      'kamal-secret: X not found in the global scope; add it with: kamal-secret set :X\n',
    );
    expect(await inApp(['mv', 'NOPE', 'OTHER'])).toMatchObject({
      code: 1,
      stderr: 'kamal-secret: NOPE does not exist in scope shop; see: kamal-secret list\n',
    });
  });

  it('rm and mv work on exactly the scope; missing is an error', async () => {
    await box.set('shop/A', 'value-a');
    expect((await box.run(['mv', 'shop/A', 'shop/production/B'])).stdout).toBe('moved shop/A to shop/production/B\n');
    expect((await box.run(['get', 'B', '--scope', 'shop/production'])).stdout).toBe('value-a\n');
    const again = await box.run(['rm', 'shop/A']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/A does not exist in scope shop/);
    expect((await box.run(['rm', 'shop/production/B'])).stdout).toBe('removed shop/production/B\n');
    expect((await box.run(['list', '--json'])).stdout).toBe('[]\n');
  });
});

describe('list, import, export, passwd', () => {
  it('list --json has ref, scope, name and ISO times, never values', async () => {
    await box.set('shop/production/DATABASE_URL', 'postgres://secret-host');
    const r = await box.run(['list', '--json']);
    const [entry] = JSON.parse(r.stdout);
    expect(entry).toMatchObject({
      ref: 'shop/production/DATABASE_URL',
      scope: 'shop/production',
      name: 'DATABASE_URL',
    });
    expect(new Date(entry.updated_at).toISOString()).toBe(entry.updated_at);
    expect(r.stdout).not.toContain('secret-host');
    expect((await box.run(['list'])).stdout).not.toContain('secret-host');
  });

  it('list filters by --scope (an app with its destinations), -g and -d; times are local, ISO in --json', () =>
    withAgent(async (box) => {
      await box.set('REGISTRY_PASSWORD', 'registry-pass');
      await box.set('shop/RAILS_MASTER_KEY', 'shop-master');
      await box.set('shop/production/DATABASE_URL', 'prod-db');
      await box.set('blog/RAILS_MASTER_KEY', 'blog-master');
      box.write({ 'app/config/deploy.yml': 'service: shop\n' });
      const refs = async (args: string[], cwd = box.dir) =>
        JSON.parse((await box.run(['list', '--json', ...args], { cwd })).stdout).map((e: { ref: string }) => e.ref);
      expect(await refs(['--scope', 'shop'])).toEqual(['shop/RAILS_MASTER_KEY', 'shop/production/DATABASE_URL']);
      expect(await refs(['-g'])).toEqual(['REGISTRY_PASSWORD']);
      expect(await refs(['-d', 'production'], box.path('app'))).toEqual(['shop/production/DATABASE_URL']);
      expect(await refs([], box.path('app'))).toHaveLength(4);
      const [{ updated_at }] = JSON.parse((await box.run(['list', '--json', '-g'])).stdout);
      // India is UTC+05:30 all year: the table shows that local time, to the minute.
      const local = new Date(Date.parse(updated_at) + 330 * 60_000).toISOString();
      expect((await box.run(['list', '-g'], { env: { TZ: 'Asia/Kolkata' } })).stdout).toBe(
        `REF                SCOPE     UPDATED\nREGISTRY_PASSWORD  (global)  ${local.slice(0, 10)} ${local.slice(11, 16)}\n`,
      );
      expect((await box.run(['list', '--scope', 'nothing'])).stdout).toBe(
        'nothing in scope nothing; see: kamal-secret list\n',
      );
    }));

  it('import reports created, updated, unchanged and skipped names', async () => {
    box.write({ '.env': 'A=1\nB="two words"\n# comment\nC=\'single $x\'\nbad-name=1\n' });
    const first = await box.run(['import', box.path('.env'), '--scope', 'shop']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created   A B C');
    expect(first.stderr).toContain('skipping "bad-name"');
    box.write({ '.env': 'A=1\nB=changed\n' });
    const second = await box.run(['import', box.path('.env'), '--scope', 'shop']);
    expect(second.stdout).toMatch(/unchanged +A/);
    expect(second.stdout).toMatch(/skipped +B/);
    const third = await box.run(['import', box.path('.env'), '--scope', 'shop', '--overwrite']);
    expect(third.stdout).toMatch(/updated +B/);
    expect((await box.run(['get', 'shop/C'])).stdout).toBe('single $x\n');
  });

  it('import says which values the dotenv gem would have read differently, never printing them', async () => {
    box.write({
      '.env':
        'PW=hunter2hunter2\nURL=postgres://u:${PW}@db/app\nHOST=$(hostname)\nQ="say \\"hi\\""\nLIT=\'pa$word\'\nPLAIN=plain-value\n',
    });
    const r = await box.run(['import', box.path('.env')]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^kamal-secret: warning: URL: the dotenv gem expands \$PW in its value; imported as the text/,
      ),
      expect.stringMatching(/^kamal-secret: warning: HOST: the dotenv gem runs the \$\(…\) in its value as a command/),
      expect.stringMatching(/^kamal-secret: warning: Q: the dotenv gem removes backslash escapes/),
      `kamal-secret: warning: ${box.path('.env')} still holds these secrets in plaintext; delete it: rm ${box.path('.env')}`,
    ]);
    expect(r.stderr).not.toContain('hunter2hunter2');
    expect((await box.run(['get', 'URL'])).stdout).toBe('postgres://u:${PW}@db/app\n');
  });

  it('import puts registry credentials in the global scope, saying so, unless --scope names one', async () => {
    box.write({
      'app/config/deploy.yml':
        'service: shop\nimage: x/shop\nregistry:\n  username: me\n  password:\n    - GHCR_TOKEN\n',
      'app/.env': 'RAILS_MASTER_KEY=master-key-1\nKAMAL_REGISTRY_PASSWORD=registry-pass-1\nGHCR_TOKEN=ghcr-token-1\n',
    });
    const cwd = box.path('app');
    expect(await box.run(['import', '.env'], { cwd })).toMatchObject({
      code: 0,
      stdout:
        'imported .env into scope shop\n  created   RAILS_MASTER_KEY\nregistry credentials, into the global scope, where every app finds them\n  created   KAMAL_REGISTRY_PASSWORD GHCR_TOKEN\n',
      stderr: 'kamal-secret: warning: .env still holds these secrets in plaintext; delete it: rm .env\n',
    });
    expect(fs.existsSync(box.path('app/.env'))).toBe(true);
    expect((await box.run(['import', '.env', '--scope', 'blog'], { cwd })).stdout).toBe(
      'imported .env into scope blog\n  created   RAILS_MASTER_KEY KAMAL_REGISTRY_PASSWORD GHCR_TOKEN\n',
    );
    const refs = JSON.parse((await box.run(['list', '--json'])).stdout).map((e: { ref: string }) => e.ref);
    expect(refs).toEqual([
      'GHCR_TOKEN',
      'KAMAL_REGISTRY_PASSWORD',
      'blog/GHCR_TOKEN',
      'blog/KAMAL_REGISTRY_PASSWORD',
      'blog/RAILS_MASTER_KEY',
      'shop/RAILS_MASTER_KEY',
    ]);
  });

  it('import never leaves plaintext silently: names what is not in the vault, or how to delete the file', async () => {
    box.write({ '.env': 'A=1\nbad-name=2\n' });
    const r = await box.run(['import', '.env']);
    expect(r.stderr.split('\n').at(-2)).toBe(
      'kamal-secret: warning: .env still holds secrets in plaintext, and bad-name are not in the vault from it; once they are, delete it: rm .env',
    );
    // A pipe leaves nothing behind to delete.
    const piped = await runProcess('sh', ['-c', `printf 'B=2\\n' | "${process.execPath}" "${BIN}" import /dev/stdin`], {
      env: box.env,
    });
    expect(piped).toMatchObject({
      code: 0,
      stdout: 'imported /dev/stdin into the global scope\n  created   B\n',
      stderr: '',
    });
  });

  it('export prints the visible set, inner scopes winning, as dotenv or JSON', async () => {
    await box.set('A', 'global-a');
    await box.set('B', "it's $HOME");
    await box.set('shop/A', 'shop-a');
    await box.set('other/C', 'not visible');
    const json = JSON.parse((await box.run(['export', '--format', 'json', '--scope', 'shop'])).stdout);
    expect(json).toEqual({ A: 'shop-a', B: "it's $HOME" });
    const dotenv = await box.run(['export', '--scope', 'shop']);
    expect(dotenv.stdout).toBe("A='shop-a'\nB=\"it's \\$HOME\"\n");
    // The dotenv gem reads B back as is (checked with real Kamal); Node's dotenv keeps the backslash: say so.
    expect(dotenv.stderr).toMatch(
      /^kamal-secret: warning: B: its value holds a single quote .* use --format json for an exact copy\n$/,
    );
    expect(dotenv.stderr).not.toContain('$HOME');
    const bad = await box.run(['export', '--format', 'yaml']);
    expect(bad.code).toBe(2);
  });

  it('passwd rewraps the key: the old passphrase stops working, secrets stay', async () => {
    await box.set('KEEP', 'kept-value');
    const r = await box.run(['passwd'], { env: { KAMAL_SECRET_NEW_PASSPHRASE: 'a brand new passphrase' } });
    expect(r.code).toBe(0);
    expect((await box.run(['get', 'KEEP'])).stderr).toMatch(/wrong passphrase/);
    expect(
      (await box.run(['get', 'KEEP'], { env: { KAMAL_SECRET_PASSPHRASE: 'a brand new passphrase' } })).stdout,
    ).toBe('kept-value\n');
  });
});

describe('permissions', () => {
  it('refuses a vault or directory that others can write, changing nothing', async () => {
    fs.chmodSync(box.vault, 0o666);
    let r = await box.run(['list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/other users can write it; fix: chmod 600/);
    fs.chmodSync(box.vault, 0o600);
    fs.chmodSync(box.path('data'), 0o777);
    r = await box.run(['set', 'X'], { input: 'value' });
    expect(r.stderr).toMatch(/refusing the vault directory .* fix: chmod 700/);
    fs.chmodSync(box.path('data'), 0o700);
  });
});

describe('errors', () => {
  it('with --json a failure is {"error": {code, message, fix}} on stdout, the same line on stderr and exit code', async () => {
    const locked = await box.run(['list', '--json'], { env: { KAMAL_SECRET_PASSPHRASE: undefined } });
    const { error } = JSON.parse(locked.stdout);
    expect({ code: locked.code, error }).toEqual({
      code: 3,
      error: { code: 'locked', message: expect.any(String), fix: expect.stringContaining('kamal-secret unlock') },
    });
    expect(locked.stderr).toBe(`kamal-secret: ${error.message}; ${error.fix}\n`);
    const usage = await box.run(['list', '--json', '--scope', 'bad scope']);
    expect({ code: usage.code, error: JSON.parse(usage.stdout).error.code }).toEqual({ code: 2, error: 'usage' });
  });
});

describe('agent', () => {
  it('agent stop with no agent running says so, exit 0', async () => {
    expect(await box.run(['agent', 'stop'])).toMatchObject({
      code: 0,
      stdout: `no agent is running on ${box.env.KAMAL_SECRET_AGENT_SOCK}; nothing to stop\n`,
    });
  });
});

describe('help', () => {
  it('every command shows an example in --help', async () => {
    const commands = [
      'init',
      'set',
      'get',
      'list',
      'rm',
      'mv',
      'import',
      'export',
      'passwd',
      'run',
      'check',
      'fetch',
      'agent',
      'lock',
      'unlock',
      'doctor',
      'kamal init',
      'gitlab sync',
      'gitlab ci',
      'completion',
    ];
    for (const cmd of commands) {
      const r = await box.run([...cmd.split(' '), '--help']);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect(r.stdout).toContain('Example:');
      expect({ cmd, help: r.stdout }).not.toEqual({ cmd, help: expect.stringContaining('(default: [])') });
    }
  });
});
