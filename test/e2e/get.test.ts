// What `get` prints, byte for byte: with -n / --no-newline and --json, on the fast path
// (a warm agent answers; the launcher loads one bundle) and in the full CLI
// (KAMAL_SECRET_NO_AGENT=1, unlocked in the process). Both must print the same.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, Sandbox } from '../helpers/cli.js';
import { FAST_GET_MODULES, runProbed } from '../helpers/fast-path.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';

let box: Sandbox;
beforeAll(async () => {
  box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  await box.init();
  box.write({ 'tls.key': PEM });
  await box.run(['set', 'shop/TLS_KEY', '--file', box.path('tls.key')]);
  await box.set('API_TOKEN', 'token-value-1');
});
afterAll(() => box.cleanup());

const paths = [
  { path: 'fast path', env: { KAMAL_SECRET_PASSPHRASE: undefined }, fast: true },
  { path: 'full CLI', env: { KAMAL_SECRET_NO_AGENT: '1' }, fast: false },
];

describe.each(paths)('get on the $path', ({ env, fast }) => {
  const get = async (args: string[]) => {
    const r = await runProbed(box, ['get', ...args], env);
    expect({ args, fast: r.modules.join() === FAST_GET_MODULES.join() }).toEqual({ args, fast });
    return r;
  };

  it('-n and --no-newline print the value exactly; without them one newline follows', async () => {
    expect((await get(['shop/TLS_KEY'])).stdout).toBe(`${PEM}\n`);
    expect((await get(['-n', 'shop/TLS_KEY'])).stdout).toBe(PEM);
    expect((await get(['--no-newline', 'API_TOKEN'])).stdout).toBe('token-value-1');
    expect((await get(['API_TOKEN', '-n'])).stdout).toBe('token-value-1');
  });

  it('--json prints ref, scope, name and value, naming the scope the value came from', async () => {
    const r = await get(['--json', 'TLS_KEY', '--scope', 'shop/production']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ ref: 'shop/TLS_KEY', scope: 'shop', name: 'TLS_KEY', value: PEM });
    expect(JSON.parse((await get(['API_TOKEN', '--json', '-d', 'production', '--scope', 'shop'])).stdout)).toEqual({
      ref: 'API_TOKEN',
      scope: '',
      name: 'API_TOKEN',
      value: 'token-value-1',
    });
  });

  it('--json of a missing name prints the error object on stdout and the line on stderr, exit 1', async () => {
    const r = await get(['--json', 'MISSING', '--scope', 'shop']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      error: {
        code: 'not_found',
        message: 'MISSING not found; searched shop/MISSING, MISSING (global)',
        fix: 'add it with: kamal-secret set shop/MISSING',
      },
    });
    expect(r.stderr).toBe(
      'kamal-secret: MISSING not found; searched shop/MISSING, MISSING (global); add it with: kamal-secret set shop/MISSING\n',
    );
  });

  it('get -n NAME > file writes the stored bytes, through a real shell redirect', () => {
    const out = box.path(`key-${fast ? 'fast' : 'full'}.pem`);
    execFileSync('sh', ['-c', `"${process.execPath}" "${BIN}" get -n shop/TLS_KEY > "${out}"`], {
      cwd: box.dir,
      env: cleanEnv({ ...box.env, ...env }),
    });
    expect(fs.readFileSync(out, 'utf8')).toBe(PEM);
  });
});
