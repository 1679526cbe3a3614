// gitlab sync against a GitLab-faithful server on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/cli.js';
import { FakeGitLab } from '../helpers/gitlab-server.js';

let box: Sandbox;
let gl: FakeGitLab;
const secretValues = ['masked-value-123', 'pin4', 'has white space here', '-----BEGIN KEY-----\nabc\n-----END KEY-----'];

beforeEach(async () => {
  gl = await new FakeGitLab().start();
  box = new Sandbox({ GITLAB_URL: gl.url, GITLAB_TOKEN: 'good-token' });
  await box.init();
  await box.set('shop/API_KEY', secretValues[0]);
  await box.set('shop/PIN', secretValues[1]);
  await box.set('shop/PHRASE', secretValues[2]);
  await box.set('shop/SSH_KEY', secretValues[3]);
});
afterEach(async () => {
  await box.cleanup();
  await gl.stop();
});

const sync = (args: string[] = [], env = {}) => box.run(['gitlab', 'sync', '--project', 'group/app', '--scope', 'shop', ...args], { env });

function expectNoValues(text: string): void {
  for (const v of secretValues) expect(text).not.toContain(v);
}

describe('gitlab sync', () => {
  it('first sync: masked where possible, multi-line as a file, unmaskable skipped with the reason', async () => {
    const r = await sync(['--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const byKey = Object.fromEntries(out.plan.map((p: { key: string }) => [p.key, p]));
    expect(byKey.API_KEY).toMatchObject({ action: 'create', masked: true, raw: true, variable_type: 'env_var', environment_scope: '*' });
    expect(byKey.SSH_KEY).toMatchObject({ action: 'create', masked: false, variable_type: 'file' });
    expect(byKey.PIN).toMatchObject({ action: 'skip' });
    expect(byKey.PIN.reason).toMatch(/shorter than 8/);
    expect(byKey.PHRASE.reason).toMatch(/white space/);
    expect(gl.vars.map((v) => v.key).sort()).toEqual(['API_KEY', 'SSH_KEY']);
    expectNoValues(r.stdout + r.stderr);
  });

  it('a second sync with nothing changed writes nothing', async () => {
    await sync();
    const before = gl.writes();
    const r = await sync();
    expect(r.stdout).toMatch(/0 to create, 0 to update, 2 unchanged/);
    expect(gl.writes()).toBe(before);
  });

  it('a changed value sends only the value, with the scope filter', async () => {
    await sync();
    await box.set('shop/API_KEY', 'a-new-masked-value');
    gl.log = [];
    await sync();
    const put = gl.log.find((l) => l.method === 'PUT')!;
    expect(put.path).toContain('filter%5Benvironment_scope%5D=*');
    expect(Object.keys(JSON.parse(put.body))).toEqual(['value']);
  });

  it('--allow-unmasked sends short values unmasked', async () => {
    await sync(['--allow-unmasked']);
    expect(gl.vars.find((v) => v.key === 'PIN')).toMatchObject({ masked: false, raw: true });
  });

  it('destinations map to environment scopes; the same key lives in two scopes', async () => {
    await box.set('shop/production/API_KEY', 'production-api-key');
    await sync();
    expect(gl.vars.filter((v) => v.key === 'API_KEY').map((v) => v.environment_scope).sort()).toEqual(['*', 'production']);
  });

  it('--prune deletes only variables kamal-secret created', async () => {
    gl.vars.push({ key: 'FOREIGN', value: 'someone-elses', variable_type: 'env_var', protected: false, masked: false, raw: false, hidden: false, environment_scope: '*', description: null });
    await sync();
    await box.run(['rm', 'shop/API_KEY']);
    await sync(['--prune']);
    expect(gl.vars.map((v) => v.key).sort()).toEqual(['FOREIGN', 'SSH_KEY']);
  });

  it('recovers from 429 with Retry-After and from a 500', async () => {
    gl.failNext = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }];
    const r = await sync();
    expect(r.code).toBe(0);
    expect(gl.vars).toHaveLength(2);
  });

  it('lists every page: 150 variables', async () => {
    for (let i = 0; i < 150; i++) gl.vars.push({ key: `OTHER_${i}`, value: 'x', variable_type: 'env_var', protected: false, masked: false, raw: false, hidden: false, environment_scope: '*', description: null });
    await sync();
    expect(gl.log.filter((l) => l.method === 'GET').length).toBe(2);
    await sync();
    expect(gl.vars).toHaveLength(152);
  });

  it('explains a wrong token, a read-only token and an unknown project in one line', async () => {
    const wrong = await sync([], { GITLAB_TOKEN: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/refused the token .* scope api/);
    const readOnly = await sync([], { GITLAB_TOKEN: 'read-token' });
    expect(readOnly.code).toBe(1);
    expect(readOnly.stdout).toMatch(/lacks the api scope/);
    const unknown = await box.run(['gitlab', 'sync', '--project', 'group/other', '--scope', 'shop']);
    expect(unknown.stderr).toMatch(/finds no project group\/other/);
    expectNoValues(wrong.stdout + wrong.stderr + readOnly.stdout + readOnly.stderr);
  });

  it('--dry-run changes nothing', async () => {
    const r = await sync(['--dry-run']);
    expect(r.stdout).toMatch(/plan \(dry run\)/);
    expect(gl.writes()).toBe(0);
  });
});
