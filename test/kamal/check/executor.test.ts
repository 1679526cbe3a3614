// check's executor on its own: how each kind of `$(…)` command is answered, with
// nothing run (no --exec). The e2e test compares its `kamal-secret get` answers with
// the real CLI's, form by form.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeExecutor } from '../../../src/kamal/check/executor.js';
import type { CommandOutcome } from '../../../src/kamal/dotenv-model.js';

const app = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-executor-'));
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));
for (const [rel, text] of Object.entries({
  'config/deploy.yml': 'service: shop\nimage: x/shop\n',
  'config/master.key': 'c0ffee\n',
  'bin/kamal-secret': '#!/bin/sh\nexit 99\n',
})) {
  fs.mkdirSync(path.dirname(path.join(app, rel)), { recursive: true });
  fs.writeFileSync(path.join(app, rel), text);
}
fs.chmodSync(path.join(app, 'bin/kamal-secret'), 0o755);
fs.mkdirSync(path.join(app, 'a-directory'));

const vault = new Map([
  ['X', 'x-global'],
  ['shop/X', 'x-shop'],
  ['shop/production/X', 'x-production'],
  ['other/X', 'x-other'],
  ['shop/NL', 'ends-in-newline\n'],
]);
const lookup = (name: string, chain: string[]) => {
  for (const scope of chain) {
    const ref = scope ? `${scope}/${name}` : name;
    const value = vault.get(ref);
    if (value !== undefined) return { ref, value };
  }
  return null;
};

function outcome(command: string, env: Record<string, string> = {}): CommandOutcome {
  return makeExecutor({
    cwd: app,
    env: { PATH: `${path.join(app, 'bin')}:/usr/bin:/bin`, ...env },
    exec: false,
    lookup,
  })(command);
}
const stdout = (o: CommandOutcome) => (o.kind === 'ran' ? `${o.status}:${o.stdout}` : o.kind);

describe('kamal-secret get, answered by the real parser and scope resolver', () => {
  it('resolves the scope from the options, KAMAL_SECRET_SCOPE and KAMAL_DESTINATION', () => {
    expect(stdout(outcome('kamal-secret get X'))).toBe('0:x-shop\n');
    expect(stdout(outcome('kamal-secret get X', { KAMAL_DESTINATION: 'production' }))).toBe('0:x-production\n');
    expect(stdout(outcome('kamal-secret get X', { KAMAL_SECRET_SCOPE: 'other' }))).toBe('0:x-other\n');
    expect(stdout(outcome('kamal-secret get X -d production'))).toBe('0:x-production\n');
    expect(stdout(outcome('kamal-secret get X --scope=other'))).toBe('0:x-other\n');
    expect(stdout(outcome('kamal-secret get X -g'))).toBe('0:x-global\n');
    expect(stdout(outcome('kamal-secret get :X'))).toBe('0:x-global\n');
    expect(stdout(outcome('kamal-secret get X -n'))).toBe('0:x-shop');
  });

  it('refuses what the real command refuses, with its exit status', () => {
    for (const args of ['X -g --scope shop', 'X --scope shop/staging -d production', 'X Y', '', 'X --bogus', '1X'])
      expect(stdout(outcome(`kamal-secret get ${args}`)), args).toBe('2:');
    const refused = outcome('kamal-secret get X --bogus');
    expect(refused.kind === 'ran' && refused.refused).toMatch(/bogus/);
  });

  it('says which name and scopes it searched when the vault has no such secret', () => {
    expect(outcome('kamal-secret get NOPE -d production')).toMatchObject({
      kind: 'ran',
      status: 1,
      missing: { name: 'NOPE', chain: ['shop/production', 'shop', ''] },
    });
  });

  it('prints JSON with --json, and says that Kamal would deploy the object, not the value', () => {
    const o = outcome('kamal-secret get X --json');
    expect(o.kind === 'ran' && JSON.parse(o.stdout)).toEqual({
      ref: 'shop/X',
      scope: 'shop',
      name: 'X',
      value: 'x-shop',
    });
    expect(o.kind === 'ran' && o.altered).toMatch(/JSON object/);
    expect(outcome('kamal-secret get NL -n')).toMatchObject({ altered: expect.stringMatching(/line break/) });
    expect(outcome('kamal-secret get NL')).not.toHaveProperty('altered');
  });

  it('understands the words /bin/sh passes: quotes and leading assignments', () => {
    expect(stdout(outcome('kamal-secret get \'X\' --scope "other"'))).toBe('0:x-other\n');
    expect(stdout(outcome('KAMAL_SECRET_SCOPE=other kamal-secret get X'))).toBe('0:x-other\n');
    // more than words: left to --exec
    expect(outcome('kamal-secret get X | tr a b').kind).toBe('not-run');
  });

  it("a kamal-secret that is not on PATH: ENOENT when exec'd, status 127 through /bin/sh", () => {
    const noPath = { PATH: '/usr/bin:/bin' };
    expect(outcome('kamal-secret get X', noPath)).toEqual({ kind: 'not-found', program: 'kamal-secret' });
    expect(stdout(outcome("kamal-secret get 'X'", noPath))).toBe('127:');
  });
});

describe('other commands', () => {
  it('a program Ruby cannot find empties the file; a path it cannot exec aborts Kamal', () => {
    expect(outcome('no-such-program-xyz arg')).toEqual({ kind: 'not-found', program: 'no-such-program-xyz' });
    expect(outcome('  ')).toEqual({ kind: 'not-found', program: '' });
    expect(outcome('./a-directory').kind).toBe('aborts');
    expect(outcome('./config/master.key').kind).toBe('aborts');
  });

  it('reads files for cat, and runs nothing else without --exec', () => {
    expect(outcome('cat config/master.key')).toMatchObject({ kind: 'ran', via: 'file', stdout: 'c0ffee\n' });
    expect(outcome('echo hi')).toMatchObject({ kind: 'not-run' });
  });
});
