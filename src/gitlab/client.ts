// A small GitLab REST client for CI/CD variables (reference/gitlab-variables.md):
// every page listed, PUT and DELETE always filtered by environment scope. It assumes
// the server may misbehave: rate limits and 5xx are retried on separate budgets, every
// request has a time limit, bodies and page counts are bounded, redirects never carry
// the token to another origin, and every failure is a GitLabError of one line that
// never contains the token.

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
    /** the HTTP status; 0 when no answer came */
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
  /** retries of a 5xx, a refused connection or a timeout */
  maxRetries?: number;
  /** waits a 429 asks for: a rate limit is a request to wait, not a failure (python-gitlab: 10) */
  maxRateLimitRetries?: number;
  /** per request, from sending it to the end of its body */
  timeoutMs?: number;
  maxBodyBytes?: number;
  maxPages?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULTS = {
  maxRetries: 4,
  maxRateLimitRetries: 10,
  timeoutMs: 30_000,
  // A page is at most 100 variables; 8 MiB leaves room for large File variables.
  maxBodyBytes: 8 * 1024 * 1024,
  // GitLab allows 8000 variables per project: 80 pages of 100.
  maxPages: 200,
};
const PER_PAGE = 100;
const MAX_REDIRECTS = 5;
/** The longest wait a Retry-After may ask for. */
const MAX_RETRY_AFTER_MS = 60_000;

interface Answer {
  status: number;
  headers: Headers;
  /** the parsed JSON body; null for an empty one */
  body: unknown;
}

export class GitLabClient {
  requests = 0;
  private readonly opts: Required<Omit<ClientOptions, 'sleep'>> & Pick<ClientOptions, 'sleep'>;
  /** Set once GitLab could not be reached after every retry: later calls fail at once, not after more timeouts. */
  private unreachable: GitLabError | null = null;

  constructor(opts: ClientOptions) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  /** Every variable, page by page; `onPage` hears how many have come so far. */
  async list(onPage?: (listed: number) => void): Promise<Variable[]> {
    const all: Variable[] = [];
    let page: number | null = 1;
    for (let pages = 0; page !== null; pages++) {
      if (pages === this.opts.maxPages)
        throw new GitLabError(
          200,
          `GitLab's list of variables did not end after ${pages} pages (${pages * PER_PAGE} variables); a proxy in front of GitLab may be rewriting its pagination`,
        );
      const answer = await this.call('GET', '/variables', {
        query: { page: String(page), per_page: String(PER_PAGE) },
      });
      const variables = asVariables(answer);
      all.push(...variables);
      onPage?.(all.length);
      const next = nextPage(answer.headers, page, variables.length);
      if (next !== null && next <= page)
        throw new GitLabError(200, `GitLab's page ${page} of variables names page ${next} as the next one`);
      page = next;
    }
    return all;
  }

  async get(key: string, scope: string): Promise<Variable> {
    const answer = await this.call('GET', `/variables/${encodeURIComponent(key)}`, {
      query: { 'filter[environment_scope]': scope },
    });
    if (!isVariable(answer.body)) throw notVariables(answer, 'a variable');
    return answer.body;
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

  private url(path: string, query: Record<string, string> = {}): URL {
    const q = new URLSearchParams(query).toString();
    return new URL(`${this.opts.baseUrl.replace(/\/$/, '')}/api/v4/${this.opts.target}${path}${q ? `?${q}` : ''}`);
  }

  private async call(
    method: string,
    path: string,
    { query, body }: { query?: Record<string, string>; body?: Record<string, unknown> } = {},
  ): Promise<Answer> {
    if (this.unreachable) throw this.unreachable;
    const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let url = this.url(path, query);
    let retries = 0;
    let rateLimitWaits = 0;
    let redirects = 0;
    for (;;) {
      this.requests++;
      let answer: Answer | { status: number; headers: Headers; text: string };
      try {
        answer = await this.send(method, url, body);
      } catch (err) {
        if (err instanceof GitLabError) throw err;
        const failure = this.noAnswer(method, err);
        if (retries >= this.opts.maxRetries) {
          this.unreachable = failure;
          throw failure;
        }
        await sleep(backoff(retries++));
        continue;
      }
      const { status, headers } = answer;
      if (status >= 300 && status < 400) {
        url = this.followable(method, url, status, headers.get('location'), redirects++);
        continue;
      }
      if (status === 429 && rateLimitWaits < this.opts.maxRateLimitRetries) {
        await sleep(retryAfterMs(headers) ?? backoff(rateLimitWaits));
        rateLimitWaits++;
        continue;
      }
      if (status >= 500 && retries < this.opts.maxRetries) {
        await sleep(backoff(retries++));
        continue;
      }
      if ('text' in answer) throw new GitLabError(status, this.redact(errorText(answer)));
      return answer;
    }
  }

  /**
   * One request, its body read within the time limit and the size bound. A 2xx comes
   * back parsed; anything else as text for the error message.
   */
  private async send(
    method: string,
    url: URL,
    body: Record<string, unknown> | undefined,
  ): Promise<Answer | { status: number; headers: Headers; text: string }> {
    const res = await fetch(url, {
      method,
      headers: { 'PRIVATE-TOKEN': this.opts.token, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      // Node's fetch would send PRIVATE-TOKEN (and a 307's body) to wherever GitLab points.
      redirect: 'manual',
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    const text = await readBounded(res, this.opts.maxBodyBytes);
    if (text === null)
      throw new GitLabError(
        res.status,
        `GitLab's answer to ${method} ${url.pathname} is larger than ${this.opts.maxBodyBytes / 1024 / 1024} MiB; not read`,
      );
    if (!res.ok) return { status: res.status, headers: res.headers, text };
    if (text.trim() === '') return { status: res.status, headers: res.headers, body: null };
    try {
      return { status: res.status, headers: res.headers, body: JSON.parse(text) };
    } catch {
      throw new GitLabError(
        res.status,
        `GitLab's answer to ${method} ${url.pathname} is not JSON (${describeText(res.headers, text)}); is ${this.opts.baseUrl} the GitLab address?`,
      );
    }
  }

  /** The next URL of a redirect we may follow: same origin, and the method kept. Else one line saying why not. */
  private followable(method: string, from: URL, status: number, location: string | null, hops: number): URL {
    let to: URL | null = null;
    try {
      to = location ? new URL(location, from) : null;
    } catch {
      // an unparseable Location is refused below
    }
    const keepsMethod = method === 'GET' || status === 307 || status === 308;
    if (to && to.origin === from.origin && keepsMethod && hops < MAX_REDIRECTS) return to;
    const where = to ? to.origin : 'an unusable address';
    const why = !to
      ? 'nowhere usable'
      : to.origin !== from.origin
        ? `${where}, another origin that would receive the token${method === 'GET' ? '' : ' and the values'}`
        : !keepsMethod
          ? `${to.pathname} as a ${status}, which turns ${method} into GET`
          : `${to.pathname} after ${MAX_REDIRECTS} redirects`;
    throw new GitLabError(
      status,
      this.redact(
        `GitLab redirected ${method} ${from.pathname} to ${why}: not followed; set GITLAB_URL to the address GitLab answers on`,
      ),
    );
  }

  private noAnswer(method: string, err: unknown): GitLabError {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason =
      e.name === 'TimeoutError'
        ? `no answer within ${this.opts.timeoutMs / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    return new GitLabError(0, this.redact(`cannot reach ${this.opts.baseUrl} (${method}): ${oneLine(reason)}`));
  }

  /** GitLab (or a proxy) may echo the request: the token never reaches the terminal or a CI log. */
  private redact(text: string): string {
    return redact(text, [this.opts.token]);
  }
}

/** `text` with each of `secrets` (four characters or more: shorter ones would garble the message) replaced. */
export function redact(text: string, secrets: (string | null | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/** The body as text, or null when it is larger than `limit` bytes (the rest is never downloaded). */
async function readBounded(res: Response, limit: number): Promise<string | null> {
  if (!res.body) return '';
  const declared = Number(res.headers.get('content-length'));
  if (declared > limit) {
    await res.body.cancel();
    return null;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) {
      await res.body.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The page after `page`: from `x-next-page` (empty on the last page), else from the
 * `Link` header, else guessed from a full page, for proxies that drop headers.
 */
function nextPage(headers: Headers, page: number, count: number): number | null {
  const header = headers.get('x-next-page');
  if (header !== null) return header.trim() ? Number(header) : null;
  const link = headers.get('link');
  if (link !== null) {
    const next = /<([^>]+)>\s*;\s*rel="next"/.exec(link);
    return next ? Number(new URL(next[1]).searchParams.get('page')) : null;
  }
  return count >= PER_PAGE ? page + 1 : null;
}

const backoff = (attempt: number) => Math.min(500 * 2 ** attempt, 8000);

/** Retry-After in seconds or as an HTTP date, else GitLab's RateLimit-Reset (epoch seconds); capped. */
function retryAfterMs(headers: Headers): number | null {
  const retryAfter = headers.get('retry-after')?.trim();
  let ms: number | null = null;
  if (retryAfter && /^\d+$/.test(retryAfter)) ms = Number(retryAfter) * 1000;
  else if (retryAfter && !Number.isNaN(Date.parse(retryAfter))) ms = Date.parse(retryAfter) - Date.now();
  else {
    const reset = Number(headers.get('ratelimit-reset'));
    if (reset > 0) ms = reset * 1000 - Date.now();
  }
  return ms === null ? null : Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

function asVariables(answer: Answer): Variable[] {
  if (!Array.isArray(answer.body) || !answer.body.every(isVariable)) throw notVariables(answer, 'a list of variables');
  return answer.body;
}

function isVariable(v: unknown): v is Variable {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.key === 'string' &&
    (typeof o.value === 'string' || o.value === null) &&
    (o.variable_type === 'env_var' || o.variable_type === 'file') &&
    typeof o.environment_scope === 'string' &&
    typeof o.masked === 'boolean' &&
    typeof o.protected === 'boolean' &&
    typeof o.raw === 'boolean'
  );
}

function notVariables(answer: Answer, what: string): GitLabError {
  const shape = Array.isArray(answer.body) ? 'a list of something else' : `a JSON ${typeOf(answer.body)}`;
  return new GitLabError(
    answer.status,
    `GitLab answered with ${shape}, not ${what}; is GITLAB_URL the GitLab address?`,
  );
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** What GitLab said, in one line: its JSON message, else what the text is (never a whole HTML page). */
function errorText({ status, headers, text }: { status: number; headers: Headers; text: string }): string {
  let said = '';
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown; error_description?: unknown };
    if (typeof body.error_description === 'string') said = `${body.error}: ${body.error_description}`;
    else if (typeof body.message === 'string') said = body.message;
    else if (body.message && typeof body.message === 'object')
      said = Object.entries(body.message as Record<string, unknown>)
        .map(([field, msgs]) => `${field} ${[msgs].flat().join(', ')}`)
        .join('; ');
    else if (typeof body.error === 'string') said = body.error;
  } catch {
    said = describeText(headers, text);
  }
  return oneLine(said || describeText(headers, text) || `status ${status}`);
}

/** A non-JSON body in a few words: an HTML page by its title, short text as it is. */
function describeText(headers: Headers, text: string): string {
  const trimmed = text.trim();
  if (/html/i.test(headers.get('content-type') ?? '') || /^<(!doctype|html|\?xml|head|body)/i.test(trimmed)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1].trim();
    return title ? `an HTML page titled "${oneLine(title)}"` : 'an HTML page';
  }
  if (!trimmed) return '';
  return oneLine(trimmed);
}

/** White space collapsed, and cut at 200 characters. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
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
      // 0: no answer; 2xx and 3xx: an answer that could not be used. Their messages say so.
      return err.status >= 400 ? `GitLab answered ${err.status}: ${err.message}` : err.message;
  }
}
