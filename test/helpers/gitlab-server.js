// A GitLab CI/CD variables API that behaves as reference/gitlab-variables.md says:
// auth order 401 → 404 → 403, pagination headers, masking rules, duplicate and
// 409/404 bodies, filter[environment_scope], hidden variables, project and group
// variables kept apart (a group needs the Owner role), 429 and 5xx on demand. It can
// also misbehave the ways a broken proxy or a hostile server does (see `failNext`,
// `pagination`). Plain JavaScript so that the benchmarks (bench/gitlab.js) run against it too.
import http from 'node:http';

/**
 * @typedef {{ key: string, value: string, variable_type: string, protected: boolean, masked: boolean, raw: boolean,
 *   hidden: boolean, environment_scope: string, description: string | null }} StoredVar
 * @typedef {{ status?: number, headers?: Record<string, string>, body?: string,
 *   hang?: boolean, bodyBytes?: number, stall?: boolean, echo?: boolean }} Injected
 *   An answer given instead of the real one: `hang` never answers; `bodyBytes` streams a
 *   200 body of that many bytes, made as it is sent, and with `stall` then never ends it;
 *   `echo` answers 400 with the request's token and body in the message, as a careless
 *   proxy or server would.
 */

export class FakeGitLab {
  /** the project's variables */
  /** @type {StoredVar[]} */ vars = [];
  /** the group's variables */
  /** @type {StoredVar[]} */ groupVars = [];
  /** @type {{ method: string, path: string, body: string }[]} */ log = [];
  /** @type {Record<string, 'owner' | 'maintainer' | 'reporter' | 'no-api'>} */
  tokens = {
    'good-token': 'owner',
    'maintainer-token': 'maintainer',
    'reporter-token': 'reporter',
    'read-token': 'no-api',
  };
  project = { id: '42', path: 'group/app' };
  group = { id: '7', path: 'group' };
  /** @type {Injected[]} */ failNext = [];
  /** listings that never end: 'endless' names ever higher next pages, 'repeat' names page 1 again */
  /** @type {null | 'endless' | 'repeat'} */ pagination = null;
  /** response headers a proxy in front of GitLab strips, e.g. ['x-next-page'] */
  /** @type {string[]} */ droppedHeaders = [];
  /** the next write is applied, then answered 502, as when a gateway times out on a slow GitLab */
  loseNextWriteAnswer = false;
  /** bytes of `bodyBytes` answers actually sent before the client hung up */
  streamedBytes = 0;
  /** milliseconds added to every answer, to model a distant server */
  latencyMs = 0;
  server = http.createServer((req, res) => this.handle(req, res));
  url = '';

  async start() {
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  stop() {
    this.server.closeAllConnections(); // also the requests left hanging on purpose
    return new Promise((r) => this.server.close(() => r()));
  }

  writes() {
    return this.log.filter((l) => l.method !== 'GET').length;
  }

  handle(req, res) {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => setTimeout(() => this.answer(req, res, body), this.latencyMs));
  }

  answer(req, res, body) {
    {
      const url = new URL(req.url ?? '/', this.url);
      this.log.push({ method: req.method ?? '', path: url.pathname + url.search, body });
      const send = (status, data, headers = {}) => {
        if (this.loseNextWriteAnswer && req.method !== 'GET' && status < 400) {
          this.loseNextWriteAnswer = false;
          [status, data, headers] = [502, { message: '502 Bad Gateway' }, {}];
        }
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(data === undefined ? '' : typeof data === 'string' ? data : JSON.stringify(data));
      };
      const injected = this.failNext.shift();
      if (injected?.hang) return;
      if (injected?.bodyBytes) return this.streamBody(res, injected.bodyBytes, Boolean(injected.stall));
      if (injected?.echo)
        return send(400, {
          message: `PRIVATE-TOKEN ${req.headers['private-token']} may not send ${body}`,
        });
      if (injected)
        return send(
          injected.status,
          injected.body ?? (injected.status === 429 ? 'Retry later' : { message: 'Internal Server Error' }),
          injected.headers,
        );
      const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
      const role = this.tokens[String(req.headers['private-token'] ?? bearer ?? '')];
      if (!role) return send(401, { message: '401 Unauthorized' });
      const m = /^\/api\/v4\/(projects|groups)\/([^/]+)\/variables(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return send(404, { message: '404 Not Found' });
      if (role === 'no-api' && req.method !== 'GET')
        return send(403, {
          error: 'insufficient_scope',
          error_description: 'The request requires higher privileges than provided by the access token.',
        });
      const id = decodeURIComponent(m[2]);
      const owner = m[1] === 'projects' ? this.project : this.group;
      if (id !== owner.id && id !== owner.path)
        return send(404, { message: `404 ${m[1] === 'projects' ? 'Project' : 'Group'} Not Found` });
      if (role === 'reporter' || (role === 'maintainer' && m[1] === 'groups'))
        return send(403, { message: '403 Forbidden' });
      const isGroup = m[1] === 'groups';
      const store = isGroup ? this.groupVars : this.vars;
      const key = m[3] ? decodeURIComponent(m[3]) : undefined;
      let params = {};
      try {
        params = body ? JSON.parse(body) : {};
      } catch {
        return send(400, { error: 'body is not JSON' });
      }
      for (const field of ['protected', 'masked', 'raw', 'masked_and_hidden']) {
        if (params[field] !== undefined && toBool(params[field]) === null)
          return send(400, { error: `${field} is invalid` });
      }
      // GitLab up to about 18.2 takes any masked_and_hidden on a group, even false, as true.
      if (isGroup && params.masked_and_hidden !== undefined) params.masked_and_hidden = true;
      const filter = url.searchParams.get('filter[environment_scope]');
      if (req.method === 'GET' && !key) {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? 20), 100);
        const page = Number(url.searchParams.get('page') ?? 1);
        const pages = Math.max(1, Math.ceil(store.length / perPage));
        const slice = store
          .slice((page - 1) * perPage, page * perPage)
          .map((v) => ({ ...v, value: v.hidden ? null : v.value }));
        const pageUrl = (n) => {
          const u = new URL(url);
          u.searchParams.set('page', String(n));
          u.searchParams.set('per_page', String(perPage));
          return u.toString();
        };
        const links = [
          ...(page > 1 ? [[page - 1, 'prev']] : []),
          ...(page < pages ? [[page + 1, 'next']] : []),
          [1, 'first'],
          [pages, 'last'],
        ];
        const next =
          { endless: String(page + 1), repeat: '1' }[this.pagination] ?? (page < pages ? String(page + 1) : '');
        const headers = {
          'x-total': String(store.length),
          'x-total-pages': String(pages),
          'x-page': String(page),
          'x-per-page': String(perPage),
          'x-next-page': next,
          'x-prev-page': page > 1 ? String(page - 1) : '',
          link: links.map(([n, rel]) => `<${pageUrl(n)}>; rel="${rel}"`).join(', '),
        };
        for (const name of this.droppedHeaders) delete headers[name];
        return send(200, slice, headers);
      }
      if (req.method === 'POST') {
        if (params.value === undefined) return send(400, { error: 'value is missing' });
        const v = this.normalise(params);
        if (store.some((x) => x.key === v.key && x.environment_scope === v.environment_scope))
          return send(400, { message: { key: [`(${v.key}) has already been taken`] } });
        const invalid = this.validate(v);
        if (invalid) return send(400, invalid);
        store.push(v);
        return send(201, v);
      }
      const matches = store.filter((x) => x.key === key && (filter === null || x.environment_scope === filter));
      if (matches.length === 0) return send(404, { message: '404 Variable Not Found' });
      if (matches.length > 1)
        return send(409, {
          message: "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
        });
      const current = matches[0];
      if (req.method === 'GET') return send(200, { ...current, value: current.hidden ? null : current.value });
      if (req.method === 'DELETE') {
        store.splice(store.indexOf(current), 1);
        return send(204);
      }
      if (req.method === 'PUT') {
        if (current.hidden && toBool(params.masked) === false)
          return send(400, {
            message: { base: ['The visibility setting cannot be changed for masked and hidden variables.'] },
          });
        const { masked_and_hidden: _ignored, hidden: _h, key: _k, ...rest } = params;
        const next = { ...current, ...this.normalise({ ...current, ...rest }), hidden: current.hidden };
        const invalid = this.validate(next);
        if (invalid) return send(400, invalid);
        Object.assign(current, next);
        return send(200, current);
      }
      return send(405, { message: '405 Method Not Allowed' });
    }
  }

  /** A 200 body of `bytes` bytes, made as it is sent: the start of a JSON list that never ends in time. */
  streamBody(res, bytes, stall) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, ' ');
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= part.length;
        this.streamedBytes += part.length;
        if (!res.write(part)) return res.once('drain', pump);
      }
      if (!stall) res.end();
    };
    res.on('close', () => (left = 0));
    res.write('[');
    pump();
  }

  normalise(p) {
    const bool = (v) => toBool(v) === true;
    return {
      key: String(p.key),
      value: String(p.value),
      variable_type: p.variable_type ?? 'env_var',
      protected: bool(p.protected),
      masked: bool(p.masked) || bool(p.masked_and_hidden),
      raw: bool(p.raw),
      hidden: bool(p.masked_and_hidden),
      environment_scope: p.environment_scope ?? '*',
      description: p.description ?? null,
    };
  }

  validate(v) {
    if (v.key.length > 255) return { message: { key: ['is too long (maximum is 255 characters)'] } };
    if (!/^[a-zA-Z0-9_]+$/.test(v.key)) return { message: { key: ["can contain only letters, digits and '_'."] } };
    if (v.masked) {
      const rule = v.raw ? /^[^ \t\r\n\f\v]{8,}$/u : /^[a-zA-Z0-9_+=/@:.~-]{8,}$/u;
      if (!rule.test(v.value)) return { message: { value: ['is invalid'] } };
    }
    return null;
  }
}

/** GitLab's boolean parameters: true/false, 1/0, t/f, yes/no, on/off; null for anything else. */
function toBool(v) {
  const text = String(v).toLowerCase();
  if (['true', '1', 't', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'f', 'no', 'off'].includes(text)) return false;
  return null;
}
