// The GitLab client against the test GitLab on 127.0.0.1, misbehaving on purpose: rate
// limits and 5xx, redirects, a server that echoes the token, bodies that are not JSON or
// never end, a server that never answers, pagination that never ends.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClientOptions, GitLabClient, GitLabError } from '../../src/gitlab/client.js';
import { FakeGitLab } from '../helpers/gitlab-server.js';

let gl: FakeGitLab;
let waits: number[];
beforeEach(async () => {
  gl = await new FakeGitLab().start();
  waits = [];
});
afterEach(() => gl.stop());

const client = (opts: Partial<ClientOptions> = {}) =>
  new GitLabClient({
    baseUrl: gl.url,
    token: 'good-token',
    target: 'projects/42',
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...opts,
  });

const variable = { key: 'API_KEY', value: 'masked-value-123', masked: true, raw: true };

/** The GitLabError `promise` rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<GitLabError> {
  const err = await promise.then(
    () => expect.fail('expected a GitLabError'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitLabError);
  const message = (err as GitLabError).message;
  expect(message).not.toMatch(/\n/);
  return err as GitLabError;
}

describe('retries', () => {
  it('rate limits have their own budget: three 429s, then two 502s, on one request still succeed', async () => {
    gl.failNext = [
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 502 },
      { status: 502 },
    ];
    await client().create(variable);
    expect(gl.vars.map((v) => v.key)).toEqual(['API_KEY']);
    expect(waits.slice(0, 3)).toEqual([3000, 1000, 2000]);
    expect(waits).toHaveLength(5);
  });

  it('waits out ten 429s, as python-gitlab does, and gives up on the eleventh with one line', async () => {
    gl.failNext = Array.from({ length: 10 }, () => ({ status: 429, headers: { 'retry-after': '0' } }));
    await client().create(variable);
    expect(gl.vars).toHaveLength(1);
    gl.failNext = Array.from({ length: 11 }, () => ({ status: 429, headers: { 'retry-after': '0' } }));
    const err = await failure(client().create({ ...variable, key: 'OTHER' }));
    expect(err.status).toBe(429);
    expect(err.message).toBe('Retry later');
  });

  it('a Retry-After longer than a minute waits a minute', async () => {
    gl.failNext = [{ status: 429, headers: { 'retry-after': '86400' } }];
    await client().create(variable);
    expect(waits).toEqual([60_000]);
  });

  it('5xx keep their bounded budget, and an HTML error page becomes its title', async () => {
    const page = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>';
    gl.failNext = Array.from({ length: 5 }, () => ({
      status: 502,
      body: page,
      headers: { 'content-type': 'text/html' },
    }));
    const err = await failure(client().create(variable));
    expect(err.status).toBe(502);
    expect(err.message).toBe('an HTML page titled "502 Bad Gateway"');
    expect(gl.log).toHaveLength(5);
  });
});

describe('redirects', () => {
  let other: FakeGitLab;
  beforeEach(async () => {
    other = await new FakeGitLab().start();
  });
  afterEach(() => other.stop());

  it('never follows one to another origin: the token and the values stay here', async () => {
    gl.failNext = [{ status: 307, headers: { location: `${other.url}/api/v4/projects/42/variables` } }];
    const post = await failure(client().create(variable));
    expect(post.status).toBe(307);
    expect(post.message).toContain(`redirected POST /api/v4/projects/42/variables to ${other.url}, another origin`);
    expect(post.message).toMatch(/not followed; set GITLAB_URL/);
    gl.failNext = [{ status: 302, headers: { location: `${other.url}/api/v4/projects/42/variables?page=1` } }];
    await failure(client().list());
    expect(other.log).toEqual([]);
  });

  it('never follows one to another scheme on the same host', async () => {
    const https = gl.url.replace('http:', 'https:');
    gl.failNext = [{ status: 308, headers: { location: `${https}/api/v4/projects/42/variables` } }];
    const err = await failure(client().create(variable));
    expect(err.message).toContain(`to ${https}, another origin`);
  });

  it('follows one within the same origin when the method is kept, and refuses a POST turned into a GET', async () => {
    gl.vars.push({
      ...variable,
      variable_type: 'env_var',
      protected: false,
      hidden: false,
      environment_scope: '*',
      description: null,
    });
    gl.failNext = [
      { status: 301, headers: { location: '/api/v4/projects/group%2Fapp/variables?page=1&per_page=100' } },
    ];
    expect((await client().list()).map((v) => v.key)).toEqual(['API_KEY']);
    gl.failNext = [{ status: 302, headers: { location: '/api/v4/projects/42/variables' } }];
    const err = await failure(client().create({ ...variable, key: 'OTHER' }));
    expect(err.message).toContain('as a 302, which turns POST into GET');
    expect(gl.vars).toHaveLength(1);
  });
});

describe('what an error may print', () => {
  it('a server that echoes the request never gets the token printed', async () => {
    gl.failNext = [{ echo: true }];
    const err = await failure(client().create(variable));
    expect(err.message).not.toContain('good-token');
    expect(err.message).toContain('PRIVATE-TOKEN [redacted]');
  });

  it('a listing that is not JSON, or JSON but not a list of variables, is one line', async () => {
    gl.failNext = [{ status: 200, body: 'Welcome to nginx!' }];
    expect((await failure(client().list())).message).toBe(
      `GitLab's answer to GET /api/v4/projects/42/variables is not JSON (Welcome to nginx!); is ${gl.url} the GitLab address?`,
    );
    gl.failNext = [{ status: 200, body: '{}' }];
    expect((await failure(client().list())).message).toBe(
      'GitLab answered with a JSON object, not a list of variables; is GITLAB_URL the GitLab address?',
    );
    gl.failNext = [{ status: 200, body: '[{"id": 1}]' }];
    expect((await failure(client().list())).message).toMatch(/a list of something else/);
    gl.failNext = [{ status: 200, body: 'null' }];
    expect((await failure(client().get('API_KEY', '*'))).message).toMatch(/a JSON null, not a variable/);
  });

  it('a body larger than the bound is not read to its end', async () => {
    gl.failNext = [{ bodyBytes: 440 * 1024 * 1024 }];
    const err = await failure(client().list());
    expect(err.message).toBe("GitLab's answer to GET /api/v4/projects/42/variables is larger than 8 MiB; not read");
    expect(gl.streamedBytes).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('a server that stops answering', () => {
  it('each request has a time limit; once GitLab is unreachable, later calls fail at once', async () => {
    gl.failNext = [{ hang: true }, { hang: true }];
    const c = client({ timeoutMs: 100, maxRetries: 1 });
    const err = await failure(c.create(variable));
    expect(err.status).toBe(0);
    expect(err.message).toBe(`cannot reach ${gl.url} (POST): no answer within 0.1 s`);
    const sent = gl.log.length;
    expect(await failure(c.list())).toBe(err);
    expect(gl.log).toHaveLength(sent);
  });

  it('a body that stops half way counts as no answer', async () => {
    gl.failNext = [{ bodyBytes: 1, stall: true }];
    const err = await failure(client({ timeoutMs: 100, maxRetries: 0 }).list());
    expect(err.message).toMatch(/no answer within 0.1 s/);
  });

  it('a refused connection names the reason', async () => {
    const url = gl.url;
    await gl.stop();
    const err = await failure(client({ baseUrl: url, maxRetries: 1 }).list());
    expect(err.message).toBe(`cannot reach ${url} (GET): ECONNREFUSED`);
    gl = await new FakeGitLab().start(); // for afterEach
  });

  it('pagination that never ends is cut off, and one that goes back is refused', async () => {
    gl.pagination = 'endless';
    const err = await failure(client({ maxPages: 5 }).list());
    expect(err.message).toMatch(/did not end after 5 pages/);
    expect(gl.log).toHaveLength(5);
    gl.pagination = 'repeat';
    expect((await failure(client().list())).message).toBe("GitLab's page 1 of variables names page 1 as the next one");
  });
});
