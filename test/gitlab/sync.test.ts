// gitlab sync against a GitLab-faithful server on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, Sandbox } from '../helpers/cli.js';
import { FakeGitLab } from '../helpers/gitlab-server.js';
import { haveScript, runInTerminal } from '../helpers/terminal.js';

let box: Sandbox;
let gl: FakeGitLab;
const secretValues = [
  'masked-value-123',
  'pin4',
  'has white space here',
  '-----BEGIN KEY-----\nabc\n-----END KEY-----',
];

beforeEach(async () => {
  gl = await new FakeGitLab().start();
  box = new Sandbox({ GITLAB_URL: gl.url, GITLAB_TOKEN: 'good-token', KAMAL_SECRET_NO_AGENT: undefined });
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

const sync = (args: string[] = [], env = {}) =>
  box.run(['gitlab', 'sync', '--project', 'group/app', '--scope', 'shop', ...args], { env });

function expectNoValues(text: string): void {
  for (const v of secretValues) expect(text).not.toContain(v);
}

describe('gitlab sync', () => {
  it('first sync: masked where possible, multi-line as a file, unmaskable skipped with the reason', async () => {
    const r = await sync(['--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const byKey = Object.fromEntries(out.plan.map((p: { key: string }) => [p.key, p]));
    expect(byKey.API_KEY).toMatchObject({
      action: 'create',
      masked: true,
      raw: true,
      variable_type: 'env_var',
      environment_scope: '*',
    });
    expect(byKey.SSH_KEY).toMatchObject({ action: 'create', masked: false, variable_type: 'file' });
    expect(byKey.PIN).toMatchObject({ action: 'skip' });
    expect(byKey.PIN.reason).toMatch(/shorter than 8/);
    expect(byKey.PHRASE.reason).toMatch(/white space/);
    expect(gl.vars.map((v) => v.key).sort()).toEqual(['API_KEY', 'SSH_KEY']);
    expectNoValues(r.stdout + r.stderr);
  });

  it.skipIf(!haveScript)(
    'shows how far it is on a terminal (counts, never values), nothing extra when piped or with --json',
    async () => {
      const command = `"${process.execPath}" "${BIN}" gitlab sync --project group/app --scope shop`;
      const shown = await runInTerminal(command, box.env, []);
      expect(shown.code).toBe(0);
      expect(shown.screen).toContain('listing variables: 0');
      expect(shown.screen).toContain('writing 2 of 2');
      expect(shown.screen).toMatch(/0 to create, 0 to update, 2 unchanged|2 to create/);
      expectNoValues(shown.screen);
      const json = await runInTerminal(`${command} --json`, box.env, []);
      expect(json.code).toBe(0);
      expect(json.screen).not.toMatch(/listing variables|writing \d/);
      await box.set('shop/API_KEY', 'another-masked-value');
      const piped = await sync();
      expect(piped.code).toBe(0);
      expect(piped.stderr).toBe('');
    },
  );

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
    expect(
      gl.vars
        .filter((v) => v.key === 'API_KEY')
        .map((v) => v.environment_scope)
        .sort(),
    ).toEqual(['*', 'production']);
  });

  it('--prune deletes only variables kamal-secret created', async () => {
    gl.vars.push({
      key: 'FOREIGN',
      value: 'someone-elses',
      variable_type: 'env_var',
      protected: false,
      masked: false,
      raw: false,
      hidden: false,
      environment_scope: '*',
      description: null,
    });
    await sync();
    await box.run(['rm', 'shop/API_KEY']);
    gl.loseNextWriteAnswer = true; // the DELETE lands, its answer is lost, the retry finds nothing
    expect((await sync(['--prune'])).code).toBe(0);
    expect(gl.vars.map((v) => v.key).sort()).toEqual(['FOREIGN', 'SSH_KEY']);
  });

  it('recovers from 429 with Retry-After and from a 500', async () => {
    gl.failNext = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }];
    const r = await sync();
    expect(r.code).toBe(0);
    expect(gl.vars).toHaveLength(2);
  });

  it('a create whose answer was lost (502 after it landed) is not reported as failed', async () => {
    gl.loseNextWriteAnswer = true;
    const r = await sync();
    expect(r.code).toBe(0);
    expect(gl.vars.map((v) => v.key).sort()).toEqual(['API_KEY', 'SSH_KEY']);
    expect(
      gl.log.some(
        (l) =>
          l.method === 'GET' &&
          /^\/api\/v4\/projects\/group%2Fapp\/variables\/\w+\?filter%5Benvironment_scope%5D=/.test(l.path),
      ),
    ).toBe(true);
  });

  it('a variable created by someone else between listing and creating is compared, then updated', async () => {
    gl.vars.push({
      key: 'API_KEY',
      value: 'someone-elses-value',
      variable_type: 'env_var',
      protected: false,
      masked: true,
      raw: true,
      hidden: false,
      environment_scope: '*',
      description: null,
    });
    gl.failNext = [{ status: 200, body: '[]', headers: { 'x-next-page': '' } }]; // the listing did not see it yet
    const r = await sync();
    expect(r.code).toBe(0);
    expect(gl.vars.find((v) => v.key === 'API_KEY')).toMatchObject({ value: secretValues[0], masked: true });
    const put = gl.log.find((l) => l.method === 'PUT')!;
    expect(Object.keys(JSON.parse(put.body))).toEqual(['value']);
  });

  it('lists every page: 150 variables', async () => {
    for (let i = 0; i < 150; i++)
      gl.vars.push({
        key: `OTHER_${i}`,
        value: 'x',
        variable_type: 'env_var',
        protected: false,
        masked: false,
        raw: false,
        hidden: false,
        environment_scope: '*',
        description: null,
      });
    await sync();
    expect(gl.log.filter((l) => l.method === 'GET').length).toBe(2);
    await sync();
    expect(gl.vars).toHaveLength(152);
  });

  it('lists every page when a proxy drops the x-* headers (Link) or every pagination header', async () => {
    for (let i = 0; i < 250; i++)
      gl.vars.push({
        key: `OTHER_${i}`,
        value: 'x',
        variable_type: 'env_var',
        protected: false,
        masked: false,
        raw: false,
        hidden: false,
        environment_scope: '*',
        description: null,
      });
    for (const dropped of [
      ['x-next-page', 'x-total', 'x-total-pages'],
      ['x-next-page', 'link'],
    ]) {
      gl.droppedHeaders = dropped;
      gl.log = [];
      expect((await sync()).code).toBe(0);
      expect(gl.log.filter((l) => l.method === 'GET').length).toBe(3);
      expect(gl.vars).toHaveLength(252); // nothing created twice: every existing variable was seen
    }
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

  it('a variable already masked gets only the fields that differ; nothing is unmasked', async () => {
    gl.vars.push({
      key: 'API_KEY',
      value: secretValues[0],
      variable_type: 'env_var',
      protected: true,
      masked: true,
      raw: false,
      hidden: false,
      environment_scope: '*',
      description: null,
    });
    await sync();
    const put = gl.log.find((l) => l.method === 'PUT' && l.path.includes('API_KEY'))!;
    expect(JSON.parse(put.body)).toEqual({ raw: true });
    expect(gl.vars.find((v) => v.key === 'API_KEY')).toMatchObject({ masked: true, protected: true, raw: true });
    // A masked variable whose new value GitLab cannot mask is skipped, not unmasked.
    await box.set('shop/API_KEY', 'now has spaces in it');
    const r = await sync(['--json', '--allow-unmasked']);
    expect(JSON.parse(r.stdout).plan.find((p: { key: string }) => p.key === 'API_KEY')).toMatchObject({
      action: 'skip',
      masked: true,
    });
    expect(gl.vars.find((v) => v.key === 'API_KEY')).toMatchObject({ masked: true, value: secretValues[0] });
  });

  it('hidden variables are left alone without --force, overwritten with it; --hidden creates them hidden', async () => {
    gl.vars.push({
      key: 'API_KEY',
      value: 'old-hidden-value',
      variable_type: 'env_var',
      protected: false,
      masked: true,
      raw: true,
      hidden: true,
      environment_scope: '*',
      description: null,
    });
    const plain = JSON.parse((await sync(['--json'])).stdout);
    expect(plain.plan.find((p: { key: string }) => p.key === 'API_KEY')).toMatchObject({
      action: 'unchanged',
      reason: expect.stringMatching(/hidden.*--force/),
    });
    expect(gl.vars.find((v) => v.key === 'API_KEY')!.value).toBe('old-hidden-value');
    await sync(['--force']);
    expect(gl.vars.find((v) => v.key === 'API_KEY')).toMatchObject({
      value: secretValues[0],
      hidden: true,
      masked: true,
    });
    await box.set('shop/NEW_TOKEN', 'brand-new-token-value');
    await sync(['--hidden']);
    expect(gl.vars.find((v) => v.key === 'NEW_TOKEN')).toMatchObject({ hidden: true, masked: true });
    expect(gl.log.filter((l) => l.method === 'PUT').every((l) => !l.body.includes('hidden'))).toBe(true);
  });

  it("the deploy job's SSH_PRIVATE_KEY and SSH_KNOWN_HOSTS are File variables, never skipped as unmaskable", async () => {
    await box.set(
      'SSH_PRIVATE_KEY',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
    );
    await box.set('SSH_KNOWN_HOSTS', '192.0.2.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKnownHostKey');
    const r = await sync(['--json']);
    expect(r.code).toBe(0);
    const byKey = Object.fromEntries(JSON.parse(r.stdout).plan.map((p: { key: string }) => [p.key, p]));
    for (const key of ['SSH_PRIVATE_KEY', 'SSH_KNOWN_HOSTS']) {
      expect(byKey[key]).toMatchObject({ action: 'create', variable_type: 'file', masked: false });
      expect(byKey[key].reason).toMatch(/unmasked: .*\(sent as a file variable\) \(the deploy job reads it\)$/);
      expect(gl.vars.find((v) => v.key === key)).toMatchObject({ variable_type: 'file', masked: false, raw: true });
    }
  });

  it('a multi-line value Kamal reads as $NAME stays env_var; --type overrides', async () => {
    box.write({
      'app/config/deploy.yml': 'service: shop\nimage: x/shop\n',
      'app/.kamal/secrets': 'SSH_KEY=$SSH_KEY\n',
    });
    const cwd = box.path('app');
    const r = await box.run(['gitlab', 'sync', '--project', '42', '--json'], { cwd });
    expect(JSON.parse(r.stdout).plan.find((p: { key: string }) => p.key === 'SSH_KEY')).toMatchObject({
      action: 'create',
      variable_type: 'env_var',
      masked: false,
    });
    await box.run(['gitlab', 'sync', '--project', '42', '--type', 'SSH_KEY=file'], { cwd });
    expect(gl.vars.find((v) => v.key === 'SSH_KEY')!.variable_type).toBe('file');
    const bad = await box.run(['gitlab', 'sync', '--project', '42', '--type', 'SSH_KEY=yaml'], { cwd });
    expect(bad.code).toBe(2);
  });

  it('--gitlab-version-compat old applies the older masking rule', async () => {
    await box.set('shop/DOLLAR_KEY', 'pa$word-long-enough');
    const current = JSON.parse((await sync(['--json', '--dry-run'])).stdout).plan.find(
      (p: { key: string }) => p.key === 'DOLLAR_KEY',
    );
    expect(current).toMatchObject({ action: 'create', masked: true });
    const old = JSON.parse((await sync(['--json', '--dry-run', '--gitlab-version-compat', 'old'])).stdout).plan.find(
      (p: { key: string }) => p.key === 'DOLLAR_KEY',
    );
    expect(old).toMatchObject({ action: 'skip' });
    expect(old.reason).toMatch(/this GitLab version cannot mask/);
  });

  it('takes the project from the origin remote, honours --environment-scope, and --prune-all deletes with the scope filter', async () => {
    box.write({ 'app/config/deploy.yml': 'service: shop\nimage: x/shop\n' });
    const cwd = box.path('app');
    const { runProcess } = await import('../helpers/cli.js');
    await runProcess('git', ['init', '-q'], { cwd });
    await runProcess('git', ['remote', 'add', 'origin', `${gl.url}/group/app.git`], { cwd });
    gl.vars.push({
      key: 'STALE',
      value: 'stale-value-123',
      variable_type: 'env_var',
      protected: false,
      masked: false,
      raw: false,
      hidden: false,
      environment_scope: 'review',
      description: null,
    });
    const r = await box.run(['gitlab', 'sync', '--environment-scope', 'review', '--prune-all'], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sync for project group/app');
    expect(
      gl.vars
        .filter((v) => v.environment_scope === 'review')
        .map((v) => v.key)
        .sort(),
    ).toEqual(['API_KEY', 'SSH_KEY']);
    const del = gl.log.find((l) => l.method === 'DELETE')!;
    expect(del.path).toBe('/api/v4/projects/group%2Fapp/variables/STALE?filter%5Benvironment_scope%5D=review');
  });

  it('no value reaches the agent log either', async () => {
    await box.run(['agent', 'stop']);
    await sync([], { KAMAL_SECRET_NO_AGENT: undefined });
    await sync(['--json'], { KAMAL_SECRET_NO_AGENT: undefined });
    const log = (await import('node:fs')).readFileSync(box.path('data/agent.log'), 'utf8');
    expect(log).toContain('listening');
    expectNoValues(log);
  });

  it('--protected marks variables protected', async () => {
    await sync(['--protected']);
    expect(gl.vars.every((v) => v.protected)).toBe(true);
  });

  it('updates one of two scopes that share a key (the filter avoids a 409)', async () => {
    await box.set('shop/production/API_KEY', 'production-api-key');
    await sync();
    await box.set('shop/production/API_KEY', 'production-api-key-2');
    const r = await sync();
    expect(r.code).toBe(0);
    expect(gl.vars.find((v) => v.key === 'API_KEY' && v.environment_scope === 'production')!.value).toBe(
      'production-api-key-2',
    );
    expect(gl.vars.find((v) => v.key === 'API_KEY' && v.environment_scope === '*')!.value).toBe(secretValues[0]);
  });

  it('syncs group variables with --group: environment scopes, filtered updates and deletes, project untouched', async () => {
    await box.set('shop/production/API_KEY', 'production-api-key');
    const group = (args: string[] = [], env = {}) =>
      box.run(['gitlab', 'sync', '--group', '7', '--scope', 'shop', ...args], { env });
    expect((await group()).code).toBe(0);
    expect(gl.log.filter((l) => l.method === 'POST').every((l) => l.path === '/api/v4/groups/7/variables')).toBe(true);
    expect(gl.vars).toEqual([]);
    const scopes = (key: string) =>
      gl.groupVars
        .filter((v) => v.key === key)
        .map((v) => v.environment_scope)
        .sort();
    expect(scopes('API_KEY')).toEqual(['*', 'production']);
    // GitLab up to 18.2 hides a group variable for any masked_and_hidden, even false: none was sent.
    expect(gl.groupVars.some((v) => v.hidden)).toBe(false);

    await box.set('shop/production/API_KEY', 'production-api-key-2');
    await box.run(['rm', 'shop/SSH_KEY']);
    gl.log = [];
    expect((await group(['--prune'])).code).toBe(0);
    expect(
      gl.log
        .filter((l) => l.method !== 'GET')
        .map((l) => `${l.method} ${l.path}`)
        .sort(),
    ).toEqual([
      'DELETE /api/v4/groups/7/variables/SSH_KEY?filter%5Benvironment_scope%5D=*',
      'PUT /api/v4/groups/7/variables/API_KEY?filter%5Benvironment_scope%5D=production',
    ]);
    expect(gl.groupVars.find((v) => v.key === 'API_KEY' && v.environment_scope === 'production')!.value).toBe(
      'production-api-key-2',
    );
    expect(gl.groupVars.find((v) => v.key === 'API_KEY' && v.environment_scope === '*')!.value).toBe(secretValues[0]);

    const maintainer = await group([], { GITLAB_TOKEN: 'maintainer-token' });
    expect(maintainer.code).toBe(1);
    expect(maintainer.stderr).toContain("the token's role cannot manage CI/CD variables of group 7");
    expect(maintainer.stderr).toContain('(Owner for a group)');
  });

  it('--group --hidden creates masked group variables hidden, and only those', async () => {
    const r = await box.run(['gitlab', 'sync', '--group', 'group', '--scope', 'shop', '--hidden']);
    expect(r.code).toBe(0);
    expect(gl.groupVars.map((v) => `${v.key} ${v.hidden}`).sort()).toEqual(['API_KEY true', 'SSH_KEY false']);
  });

  it('a per-variable failure does not stop the rest, and the exit status says so', async () => {
    await box.set('shop/ANOTHER', 'another-masked-value');
    gl.failNext = [
      { status: 200, body: '[]', headers: { 'x-next-page': '' } },
      { status: 400, body: JSON.stringify({ message: { value: ['is invalid'] } }) },
    ];
    const r = await sync(['--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.failed).toHaveLength(1);
    expect(out.failed[0]).toMatchObject({ status: 400, message: 'value is invalid' });
    expect(gl.vars).toHaveLength(2);
    expect((await sync()).code).toBe(0); // a re-run finishes the job
    expect(gl.vars).toHaveLength(3);
  });

  it('refuses plain http to anything but loopback, and asks for a token when none is found', async () => {
    const http = await sync([], { GITLAB_URL: 'http://gitlab.example.com' });
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/https/);
    const noToken = await sync([], { GITLAB_TOKEN: undefined });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/no GitLab token/);
    await box.set('shop/GITLAB_TOKEN', 'good-token');
    const fromVault = await sync([], { GITLAB_TOKEN: undefined });
    expect(fromVault.code).toBe(0);
    expect(gl.vars.map((v) => v.key)).not.toContain('GITLAB_TOKEN');
  });
});

describe('export --format gitlab', () => {
  it.each([
    [[]],
    [['--allow-unmasked', '--type', 'API_KEY=file', '--gitlab-version-compat', 'old', '--protected']],
    [['--environment-scope', 'review', '--hidden']],
  ])('export --format gitlab %j prints exactly the bodies a first sync with the same options sends', async (args) => {
    await box.set('shop/DOLLAR_KEY', 'pa$word-long-enough');
    const r = await box.run(['export', '--format', 'gitlab', '--scope', 'shop', ...args]);
    expect(r.code).toBe(0);
    if (!args.includes('--allow-unmasked')) expect(r.stderr).toMatch(/PIN \(scope \S+\) left out: shorter than 8/);
    const exported = JSON.parse(r.stdout);
    expect((await sync(args)).code).toBe(0);
    const posted = gl.log.filter((l) => l.method === 'POST').map((l) => JSON.parse(l.body));
    const byKeyAndScope = (
      a: { key: string; environment_scope: string },
      b: { key: string; environment_scope: string },
    ) => `${a.key} ${a.environment_scope}`.localeCompare(`${b.key} ${b.environment_scope}`);
    expect(exported.sort(byKeyAndScope)).toEqual(posted.sort(byKeyAndScope));
    expectNoValues(r.stderr);
  });

  it('the selection options belong to --format gitlab only', async () => {
    const r = await box.run(['export', '--scope', 'shop', '--allow-unmasked']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--allow-unmasked applies to --format gitlab only');
    expect(r.stdout).toBe('');
  });
});

describe('gitlab sync against a misbehaving GitLab: one line, never the token or a value', () => {
  const oneLine = (stderr: string) => {
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/^\s+at /m);
  };

  it('a listing that is an HTML page', async () => {
    gl.failNext = [
      {
        status: 200,
        body: '<html><head><title>Sign in</title></head><body>…</body></html>',
        headers: { 'content-type': 'text/html' },
      },
    ];
    const r = await sync();
    expect(r.code).toBe(1);
    oneLine(r.stderr);
    expect(r.stderr).toContain('is not JSON (an HTML page titled "Sign in")');
  });

  it('a listing redirected to another origin is not followed', async () => {
    const other = await new FakeGitLab().start();
    try {
      gl.failNext = [{ status: 302, headers: { location: `${other.url}/api/v4/projects/group%2Fapp/variables` } }];
      const r = await sync();
      expect(r.code).toBe(1);
      oneLine(r.stderr);
      expect(r.stderr).toContain(`to ${other.url}, another origin that would receive the token: not followed`);
      expect(other.log).toEqual([]);
    } finally {
      await other.stop();
    }
  });

  it('a write that keeps failing with an HTML page: its status and the page title, on one line', async () => {
    gl.vars.push({
      key: 'SSH_KEY',
      value: secretValues[3],
      variable_type: 'file',
      protected: false,
      masked: false,
      raw: true,
      hidden: false,
      environment_scope: '*',
      description: 'managed by kamal-secret',
    });
    const page = '<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>';
    gl.failNext = [
      { status: 200, body: JSON.stringify(gl.vars), headers: { 'x-next-page': '' } },
      ...Array.from({ length: 5 }, () => ({ status: 502, body: page, headers: { 'content-type': 'text/html' } })),
    ];
    const r = await sync();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '  failed  API_KEY (scope *): GitLab answered 502: an HTML page titled "502 Bad Gateway"\n',
    );
    expect(r.stdout + r.stderr).not.toContain('<');
  });

  it('a write answered with the request echoed back', async () => {
    gl.failNext = [{ status: 200, body: '[]', headers: { 'x-next-page': '' } }, { echo: true }];
    const r = await sync(['--json']);
    expect(r.code).toBe(1);
    const { failed } = JSON.parse(r.stdout);
    expect(failed).toHaveLength(1);
    expect(failed[0].message).toMatch(/^PRIVATE-TOKEN \[redacted\] may not send \{.*"value":"\[redacted\]"/);
    expect(r.stdout + r.stderr).not.toContain('good-token');
    expectNoValues(r.stdout + r.stderr);
  });
});
