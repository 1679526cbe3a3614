// A small GitLab REST client for CI/CD variables (reference/gitlab-variables.md):
// every page listed, 429 honouring Retry-After, 5xx retried with bounded backoff,
// PUT and DELETE always filtered by environment scope.

export interface Variable {
  key: string;
  value: string | null;
  variable_type: 'env_var' | 'file';
  protected: boolean;
  masked: boolean;
  raw: boolean;
  hidden?: boolean;
  environment_scope: string;
  description?: string | null;
}

export class GitLabError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ClientOptions {
  baseUrl: string;
  token: string;
  /** `projects/<id>` or `groups/<id>`, id already URL-encoded */
  target: string;
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
}

export class GitLabClient {
  requests = 0;

  constructor(private readonly opts: ClientOptions) {}

  private url(path: string, query: Record<string, string> = {}): string {
    const q = new URLSearchParams(query).toString();
    return `${this.opts.baseUrl.replace(/\/$/, '')}/api/v4/${this.opts.target}${path}${q ? `?${q}` : ''}`;
  }

  private async call(
    method: string,
    path: string,
    { query, body }: { query?: Record<string, string>; body?: Record<string, unknown> } = {},
  ): Promise<Response> {
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    const maxRetries = this.opts.maxRetries ?? 4;
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      let res: Response;
      try {
        res = await fetch(this.url(path, query), {
          method,
          headers: { 'PRIVATE-TOKEN': this.opts.token, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
      } catch (err) {
        if (attempt >= maxRetries)
          throw new GitLabError(0, `cannot reach ${this.opts.baseUrl}: ${(err as Error).message}`);
        await sleep(backoff(attempt));
        continue;
      }
      if (res.status === 429 && attempt < maxRetries) {
        const retryAfter = Number(res.headers.get('retry-after'));
        await sleep(
          Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.min(retryAfter, 60) * 1000 : backoff(attempt),
        );
        continue;
      }
      if (res.status >= 500 && attempt < maxRetries) {
        await sleep(backoff(attempt));
        continue;
      }
      if (!res.ok) throw new GitLabError(res.status, await errorText(res));
      return res;
    }
  }

  async list(): Promise<Variable[]> {
    const all: Variable[] = [];
    for (let page: string | null = '1'; page; ) {
      const res = await this.call('GET', '/variables', { query: { page, per_page: String(PER_PAGE) } });
      const variables = (await res.json()) as Variable[];
      all.push(...variables);
      page = nextPage(res, page, variables.length);
    }
    return all;
  }

  async get(key: string, scope: string): Promise<Variable> {
    const res = await this.call('GET', `/variables/${encodeURIComponent(key)}`, {
      query: { 'filter[environment_scope]': scope },
    });
    return (await res.json()) as Variable;
  }

  async create(fields: Record<string, unknown>): Promise<void> {
    await this.call('POST', '/variables', { body: fields });
  }

  async update(key: string, scope: string, fields: Record<string, unknown>): Promise<void> {
    await this.call('PUT', `/variables/${encodeURIComponent(key)}`, {
      query: { 'filter[environment_scope]': scope },
      body: fields,
    });
  }

  /** Gone already counts as done: a retried DELETE whose first answer was lost finds nothing. */
  async remove(key: string, scope: string): Promise<void> {
    try {
      await this.call('DELETE', `/variables/${encodeURIComponent(key)}`, {
        query: { 'filter[environment_scope]': scope },
      });
    } catch (err) {
      if (!(err instanceof GitLabError && err.status === 404 && /Variable Not Found/i.test(err.message))) throw err;
    }
  }
}

const PER_PAGE = 100;

/**
 * The page after `page`: from `x-next-page` (empty on the last page), else from the
 * `Link` header, else guessed from a full page, for proxies that drop headers.
 */
function nextPage(res: Response, page: string, count: number): string | null {
  const header = res.headers.get('x-next-page');
  if (header !== null) return header.trim() || null;
  const link = res.headers.get('link');
  if (link !== null) {
    const next = /<([^>]+)>\s*;\s*rel="next"/.exec(link);
    return next ? new URL(next[1]).searchParams.get('page') : null;
  }
  return count >= PER_PAGE ? String(Number(page) + 1) : null;
}

const backoff = (attempt: number) => Math.min(500 * 2 ** attempt, 8000);

async function errorText(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: string; error_description?: string };
    if (body.error_description) return `${body.error}: ${body.error_description}`;
    if (typeof body.message === 'string') return body.message;
    if (body.message && typeof body.message === 'object') {
      return Object.entries(body.message as Record<string, string[]>)
        .map(([field, msgs]) => `${field} ${[msgs].flat().join(', ')}`)
        .join('; ');
    }
    if (body.error) return body.error;
  } catch {
    // not JSON: use the text
  }
  return text.trim() || res.statusText;
}

/** One line that says what a failed status means and how to fix it. */
export function explain(err: GitLabError, target: string): string {
  switch (err.status) {
    case 401:
      return `GitLab refused the token (${err.message}): set GITLAB_TOKEN to a valid project or group access token with scope api`;
    case 403:
      return /insufficient_scope/.test(err.message) || /scope/.test(err.message)
        ? `the token lacks the api scope (${err.message}): create a token with scope api`
        : `the token's role cannot manage CI/CD variables of ${target} (${err.message}): it needs the Maintainer role (Owner for a group)`;
    case 404:
      return `GitLab finds no ${target} for this token (${err.message}): check --project (numeric id or group/path) and that the token can see it`;
    default:
      return `GitLab answered ${err.status || 'nothing'}: ${err.message}`;
  }
}
