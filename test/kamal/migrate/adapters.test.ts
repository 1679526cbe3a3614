// kamal migrate's own 1Password, Bitwarden and LastPass adapters, run against the
// stand-in CLIs, compared with real Kamal 2.12's adapters calling the same stand-ins:
// the same JSON (as `fetch --inline` gives it to the file), the same errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOptions } from '../../../src/kamal/kamal-secrets-command.js';
import { fetchRequest, fetchWithoutKamal } from '../../../src/kamal/migrate/adapters/index.js';
import {
  realKamalAvailable as available,
  realKamalPrint,
  realKamalSkipReason as reason,
} from '../../helpers/real-kamal.js';
import { FakeManagers } from './fake-managers.js';

const OP = {
  account: 'acct.1password.com',
  signedIn: false,
  session: 'op-session-1',
  vaults: {
    Vault: {
      Item: {
        fields: [
          { label: 'password', value: 'item-password' },
          { label: 'REGISTRY_PASSWORD', value: 'registry-value' },
          { label: 'url', section: 'db', value: 'postgres://db/shop' },
        ],
      },
      Other: { fields: [{ label: 'password', value: 'other-password' }] },
    },
  },
};
const BW = {
  account: 'me@example.com',
  status: 'locked',
  session: 'bw-session-1',
  items: {
    mypassword: { login: { password: 'bw-login-password', username: 'me' } },
    myitem: {
      login: { password: null },
      fields: [
        { name: 'f1', value: 'field-one' },
        { name: 'f2', value: 'field-two' },
      ],
    },
    note: {
      notes: 'n',
      fields: [
        { name: 'a', value: 'note-a' },
        { name: 'b', value: 'note-b' },
      ],
    },
    plain: { notes: 'nothing to read' },
  },
};
const LPASS = {
  account: 'me@example.com',
  loggedIn: false,
  entries: [
    { fullname: 'SECRET1', password: 'lp-one' },
    { fullname: 'FOLDER/S2', password: 'lp-two' },
    { fullname: 'FOLDER/S3', password: 'lp-three' },
  ],
};

type Group = { adapter: string; account: string; cases: string[]; errors: string[] };
const groups: Group[] = [
  {
    adapter: '1password',
    account: OP.account,
    cases: [
      '--from Vault/Item REGISTRY_PASSWORD db/url',
      'Vault/Item Vault/Other',
      '--from op://Vault/Item',
      'Vault/Item/password',
    ],
    errors: ['--from Vault/Item NOPE', '--from Vault/Missing A'],
  },
  {
    adapter: 'bitwarden',
    account: BW.account,
    cases: ['mypassword', '--from myitem f1 f2', 'note', 'mypassword myitem/f2'],
    errors: ['plain', 'missing', '--from myitem nope'],
  },
  {
    adapter: 'lastpass',
    account: LPASS.account,
    cases: ['SECRET1 FOLDER/S2', '--from FOLDER S2 S3'],
    errors: ['NOPE'],
  },
];

const managers = new FakeManagers();
const app = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-adapters-'));
const env = { ...process.env, ...managers.env() };
beforeAll(() => {
  managers.data('op', OP).data('bw', BW).data('lpass', LPASS);
  fs.mkdirSync(path.join(app, 'config'));
  fs.mkdirSync(path.join(app, '.kamal'));
  fs.writeFileSync(
    path.join(app, 'config', 'deploy.yml'),
    'service: demo\nimage: demo/demo\nservers: [127.0.0.1]\nregistry:\n  username: demo\n  password: [CASE_0]\nbuilder:\n  arch: amd64\n',
  );
});
afterAll(() => {
  managers.cleanup();
  fs.rmSync(app, { recursive: true, force: true });
});

/** Each real-Kamal run starts Ruby: seconds each on a busy machine. */
const RUBY = { timeout: 300_000 };

const fetchLine = (g: Group, args: string) => `--adapter ${g.adapter} --account ${g.account} ${args}`;

/** kamal migrate's evaluation of `kamal secrets fetch ARGS`: what the file gets, or Kamal's error. */
function ours(args: string, runEnv: NodeJS.ProcessEnv = env): string {
  const opts = fetchOptions(args.split(' '))!;
  const outcome = fetchWithoutKamal(fetchRequest({ ...opts, adapter: opts.adapter! })!, { cwd: app, env: runEnv });
  if (outcome.kind === 'ran') return outcome.stdout;
  return outcome.kind === 'not-run' ? `ERROR ${/"(.*)"/.exec(outcome.reason)?.[1]}` : 'not found';
}

describe(`our adapters give what Kamal's give${reason}`, () => {
  for (const g of groups) {
    it.skipIf(!available)(`${g.adapter}: the same JSON, one call after another`, RUBY, () => {
      managers.reset();
      const mine = g.cases.map((c) => ours(fetchLine(g, c)));
      managers.reset();
      fs.writeFileSync(
        path.join(app, '.kamal', 'secrets'),
        g.cases.map((c, i) => `CASE_${i}=$(kamal secrets fetch ${fetchLine(g, c)})\n`).join(''),
      );
      const real = realKamalPrint(app, '3.2', env);
      expect(real).not.toMatch(/^ERROR/);
      expect(mine.map((m, i) => `CASE_${i}=${m}\n`).join('')).toBe(real);
    });

    it.skipIf(!available)(`${g.adapter}: the same errors`, RUBY, () => {
      for (const c of g.errors) {
        managers.reset();
        const mine = ours(fetchLine(g, c));
        managers.reset();
        const real = realKamalPrint(app, '3.2', { ...env, KAMAL_CMD: `secrets fetch ${fetchLine(g, c)}` });
        // biome-ignore lint/suspicious/noControlCharactersInRegex: Kamal colours its error line
        const message = /ERROR \(RuntimeError\): (.*?)(\x1b|$)/m.exec(real)?.[1];
        expect(message, real).toBeDefined();
        expect(mine).toBe(`ERROR ${message}`);
      }
    });
  }
});

describe('the calls our adapters make', () => {
  it('1Password: no signin when op account get succeeds; else the session from op signin --raw on every op call', () => {
    managers.data('op', { ...OP, signedIn: true });
    managers.reset();
    ours(fetchLine(groups[0], 'Vault/Item'));
    expect(managers.calls()).toEqual([
      'op --version',
      `op account get --account ${OP.account}`,
      `op item get Item --vault Vault --format json --account ${OP.account} --fields label=password`,
    ]);
    managers.data('op', OP);
    managers.reset();
    ours(fetchLine(groups[0], '--from Vault/Item REGISTRY_PASSWORD db/url'));
    expect(managers.calls().slice(2)).toEqual([
      `op signin --account ${OP.account} --force --raw`,
      `op item get Item --vault Vault --format json --account ${OP.account} --session ${OP.session} --fields label=REGISTRY_PASSWORD,label=db.url`,
    ]);
  });

  it('Bitwarden: login when unauthenticated, unlock --raw when locked, then sync and one get item per item', () => {
    managers.data('bw', { ...BW, status: 'unauthenticated' });
    managers.reset();
    expect(ours(fetchLine(groups[1], 'mypassword myitem/f1 myitem/f2'))).toContain('field-two');
    expect(managers.calls()).toEqual([
      'bw --version',
      'bw status',
      `bw login ${BW.account}`,
      'bw status',
      'bw unlock --raw',
      'bw status',
      'bw sync',
      'bw get item mypassword',
      'bw get item myitem',
    ]);
    managers.data('bw', BW);
  });

  it('LastPass: login unless status says "Logged in as ACCOUNT.", then one show --json for all', () => {
    managers.reset();
    ours(fetchLine(groups[2], 'SECRET1 FOLDER/S2'));
    ours(fetchLine(groups[2], 'SECRET1'));
    expect(managers.calls()).toEqual([
      'lpass --version',
      'lpass status --color never',
      `lpass login ${LPASS.account}`,
      'lpass show SECRET1 FOLDER/S2 --json',
      'lpass --version',
      'lpass status --color never',
      'lpass show SECRET1 --json',
    ]);
  });

  it('a CLI missing from PATH is what Kamal says: "… CLI is not installed"', () => {
    const bare = { ...env, PATH: '/usr/bin:/bin' };
    expect(ours(fetchLine(groups[0], 'Vault/Item'), bare)).toBe('ERROR 1Password CLI is not installed');
    expect(ours(fetchLine(groups[1], 'mypassword'), bare)).toBe('ERROR Bitwarden CLI is not installed');
    expect(ours(fetchLine(groups[2], 'SECRET1'), bare)).toBe('ERROR LastPass CLI is not installed');
  });

  it('no --account: Kamal aborts, and so do we', () => {
    const opts = fetchOptions(['--adapter', '1password', 'Vault/Item'])!;
    const outcome = fetchWithoutKamal(fetchRequest({ ...opts, adapter: opts.adapter! })!, { cwd: app, env });
    expect(outcome).toMatchObject({ kind: 'not-run', reason: expect.stringContaining('needs --account') });
  });

  it('an adapter only Kamal can evaluate is refused with one line', () => {
    const opts = fetchOptions(['--adapter', 'doppler', 'A'])!;
    expect(() => fetchWithoutKamal(fetchRequest({ ...opts, adapter: opts.adapter! })!, { cwd: app, env })).toThrow(
      /--adapter doppler needs Kamal: without it, kamal migrate calls only 1password, bitwarden, lastpass/,
    );
  });
});
