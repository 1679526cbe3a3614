import { execFileSync } from 'node:child_process';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError, UserError } from '../errors.js';
import { gitlabCiYaml } from '../gitlab/ci-template.js';
import { GitLabClient, GitLabError, explain } from '../gitlab/client.js';
import { findApp } from '../kamal/app.js';
import { readDeployConfig } from '../kamal/deploy-config.js';
import { type PlanItem, plan } from '../gitlab/planner.js';
import { desiredVariables } from '../gitlab/sync.js';
import { scopeChain } from '../vault/refs.js';
import type { VaultSession } from '../vault/session.js';
import { example, scopeOptions } from './options.js';
import { json, out, table, warn } from './output.js';
import { resolveScope, type ScopeOptions } from './scope.js';
import { withSession } from './session.js';

interface SyncOptions extends ScopeOptions {
  project?: string;
  group?: string;
  environmentScope?: string;
  protected?: boolean;
  hidden?: boolean;
  prune?: boolean;
  pruneAll?: boolean;
  dryRun?: boolean;
  allowUnmasked?: boolean;
  force?: boolean;
  json?: boolean;
  type: string[];
  gitlabVersionCompat: 'current' | 'old';
}

export function register(program: Command): void {
  const gitlab = program.command('gitlab').description('GitLab CI/CD variables from the vault');
  const sync = scopeOptions(
    gitlab
      .command('sync')
      .description('create or update CI/CD variables from the vault, masked wherever GitLab allows')
      .option('--project <id|path>', 'numeric id or group/path (default: the origin remote)')
      .option('--group <id>', 'sync group variables instead')
      .option('--environment-scope <scope>', 'send every variable with this environment scope')
      .option('--protected', 'make the variables protected')
      .option('--hidden', 'create new masked variables hidden (their value can never be read back)')
      .option('--prune', 'delete variables kamal-secret created that are no longer in the vault')
      .option('--prune-all', 'delete every variable in the synced scopes that is not in the vault')
      .option('--dry-run', 'show the plan, change nothing')
      .option('--allow-unmasked', 'send values GitLab cannot mask, unmasked')
      .option('--force', 'overwrite hidden variables, whose values cannot be compared')
      .option('--type <NAME=file|env_var>', 'variable type for one name', (v: string, acc: string[]) => [...acc, v], [])
      .addOption(new Option('--gitlab-version-compat <rule>', 'masking rule of the server').choices(['current', 'old']).default('current'))
      .option('--json', 'print {"project", "plan", "failed"} as JSON'),
  ).action(async (opts: SyncOptions) => {
    const baseUrl = gitlabUrl();
    const scope = resolveScope(opts);
    const types = parseTypes(opts.type);
    const { desired, token } = await withSession(async (s) => ({
      desired: await desiredVariables(s, scope, { environmentScope: opts.environmentScope, types }),
      token: process.env.GITLAB_TOKEN || (await s.lookup('GITLAB_TOKEN', scopeChain(scope)))?.value,
    }));
    if (!token) throw new UserError('no GitLab token: set GITLAB_TOKEN, or store one: kamal-secret set GITLAB_TOKEN (a project access token with scope api, role Maintainer)');
    const targetName = opts.group ? `group ${opts.group}` : `project ${opts.project ?? originProject(baseUrl)}`;
    const target = opts.group ? `groups/${encodeURIComponent(opts.group)}` : `projects/${encodeURIComponent(opts.project ?? originProject(baseUrl))}`;
    const client = new GitLabClient({ baseUrl, token, target });
    let items: PlanItem[];
    try {
      items = plan(desired, await client.list(), {
        compat: opts.gitlabVersionCompat, allowUnmasked: Boolean(opts.allowUnmasked), protected: Boolean(opts.protected), hidden: Boolean(opts.hidden),
        prune: Boolean(opts.prune), pruneAll: Boolean(opts.pruneAll), force: Boolean(opts.force),
      });
    } catch (err) {
      if (err instanceof GitLabError) throw new UserError(explain(err, targetName));
      throw err;
    }
    const failed: { key: string; environment_scope: string; status: number; message: string }[] = [];
    if (!opts.dryRun) {
      const outcomes = await inParallel(items, WRITE_CONCURRENCY, async (item) => {
        try {
          if (item.action === 'create') await client.create(item.send!);
          else if (item.action === 'update') await client.update(item.key, item.environment_scope, item.send!);
          else if (item.action === 'delete') await client.remove(item.key, item.environment_scope);
          return null;
        } catch (err) {
          if (!(err instanceof GitLabError)) throw err;
          return { key: item.key, environment_scope: item.environment_scope, status: err.status, message: [401, 403, 404].includes(err.status) ? explain(err, targetName) : err.message };
        }
      });
      failed.push(...outcomes.filter((o) => o !== null));
    }
    const printable = items.map(({ send: _send, ...rest }) => rest);
    if (opts.json) json({ project: opts.group ?? opts.project ?? originProject(baseUrl), plan: printable, failed });
    else printPlan(printable, failed, Boolean(opts.dryRun), targetName);
    if (failed.length) process.exitCode = 1;
  });
  example(sync, 'kamal-secret gitlab sync --project group/app --dry-run\nkamal-secret gitlab sync -d production --protected');

  const ci = gitlab
    .command('ci')
    .description('print a .gitlab-ci.yml deploy job for this app (one per destination) and the builder settings for fast CI builds')
    .action(() => {
      const app = findApp();
      if (!app) throw new UserError('no config/deploy.yml here or above; run this inside a Kamal app');
      const config = readDeployConfig(app.root);
      process.stdout.write(gitlabCiYaml(config.service ?? 'this app', config.destinations));
    });
  example(ci, 'kamal-secret gitlab ci > .gitlab-ci.yml');
}

/** A few writes at a time: much faster than one by one, far below GitLab's rate limits. */
const WRITE_CONCURRENCY = 4;

/** `fn` over `items` with at most `limit` running at once; results in the order of `items`. */
async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The bodies a first sync would POST (skipped values left out, with a warning naming each). */
export async function variablesToSend(session: VaultSession, scope: string): Promise<Record<string, unknown>[]> {
  const desired = await desiredVariables(session, scope, { types: new Map() });
  const items = plan(desired, [], { compat: 'current', allowUnmasked: false, protected: false, hidden: false, prune: false, pruneAll: false, force: false });
  for (const i of items.filter((x) => x.action === 'skip')) warn(`${i.key} (scope ${i.environment_scope}) left out: ${i.reason}`);
  return items.filter((i) => i.send).map((i) => i.send!);
}

function printPlan(items: Omit<PlanItem, 'send'>[], failed: { key: string; environment_scope: string; message: string }[], dryRun: boolean, target: string): void {
  out(`${dryRun ? 'plan (dry run)' : 'sync'} for ${target}:`);
  if (items.length) for (const line of table(items.map((i) => [i.action, i.key, `scope ${i.environment_scope}`, i.variable_type, i.reason]))) out(`  ${line}`);
  for (const f of failed) out(`  failed  ${f.key} (scope ${f.environment_scope}): ${f.message}`);
  const n = (a: string) => items.filter((i) => i.action === a).length;
  out(`${n('create')} to create, ${n('update')} to update, ${n('unchanged')} unchanged, ${n('delete')} to delete, ${n('skip')} skipped${failed.length ? `, ${failed.length} failed (run again to finish)` : ''}`);
}

export function gitlabUrl(): string {
  const url = process.env.GITLAB_URL || process.env.CI_SERVER_URL || 'https://gitlab.com';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`GITLAB_URL is not a URL: ${url}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname) || parsed.hostname.startsWith('127.');
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) throw new UsageError(`refusing ${url}: GitLab must be reached over https (plain http only on loopback)`);
  return url;
}

function parseTypes(specs: string[]): Map<string, 'env_var' | 'file'> {
  const types = new Map<string, 'env_var' | 'file'>();
  for (const spec of specs) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(file|env_var)$/.exec(spec);
    if (!m) throw new UsageError(`--type takes NAME=file or NAME=env_var, not "${spec}"`);
    types.set(m[1], m[2] as 'file' | 'env_var');
  }
  return types;
}

/** group/app from the origin remote, when it points at the GitLab host. */
function originProject(baseUrl: string): string {
  let remote = '';
  try {
    remote = execFileSync('git', ['config', '--get', 'remote.origin.url'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git repository
  }
  const host = new URL(baseUrl).host;
  const m = /^(?:[a-z+]+:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/|[^@]+@([^:]+):)(.+?)(?:\.git)?\/?$/.exec(remote);
  if (!m || (m[1] ?? m[2]) !== host.replace(/:\d+$/, '')) throw new UsageError('no --project given and the origin remote does not point at the GitLab host; give --project group/app');
  return m[3];
}
