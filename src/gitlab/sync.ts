// A sync, start to end: which secrets go where (the vault's visible set for an app
// maps to environment scope `*`, each APP/DEST scope to `DEST`; names Kamal reads
// through $NAME stay env_var), the plan against what GitLab has, and its writes.

import { UserError } from '../errors.js';
import { listDestinations } from '../kamal/deploy-config.js';
import { variablesKamalReads } from '../kamal/env-references.js';
import { scopeChain } from '../light/refs.js';
import type { VaultSession } from '../vault/session.js';
import { explain, GitLabClient, GitLabError, redact, type Variable } from './client.js';
import type { Compat } from './masking.js';
import { isPipelineVariable } from './pipeline-variables.js';
import { type Desired, type PlanItem, type PlanOptions, plan, type VariableType } from './planner.js';
import { checkedGitlabUrl, resolveTarget } from './target.js';

/** What a sync sends, and how: the options `gitlab sync` and `export --format gitlab` share. */
export interface Selection {
  /** every variable with this environment scope, instead of `*` and the destinations */
  environmentScope?: string;
  types: Map<string, VariableType>;
  compat: Compat;
  allowUnmasked: boolean;
  protected: boolean;
  hidden: boolean;
}

export async function desiredVariables(
  session: VaultSession,
  scope: string,
  opts: Pick<Selection, 'environmentScope' | 'types'> & { appRoot: string | null },
): Promise<Desired[]> {
  const readByKamal = namesKamalReads(opts.appRoot);
  const [app, dest] = scope.split('/');
  const groups: [string, string[]][] = dest ? [[dest, scopeChain(scope)]] : [['*', scopeChain(scope)]];
  if (!dest && app) {
    const dests = new Set(
      (await session.list()).filter((e) => e.scope.startsWith(`${app}/`)).map((e) => e.scope.split('/')[1]),
    );
    for (const d of dests) groups.push([d, [`${app}/${d}`]]);
  }
  const out: Desired[] = [];
  for (const [environmentScope, chain] of groups) {
    for (const [name, found] of await session.visible(chain)) {
      if (name === 'GITLAB_TOKEN') continue;
      out.push({
        key: name,
        value: found.value,
        environment_scope: opts.environmentScope ?? environmentScope,
        readByKamal: readByKamal.has(name),
        readByPipeline: isPipelineVariable(name),
        typeOverride: opts.types.get(name),
      });
    }
  }
  return out;
}

/** Names the app's secrets files read as $NAME (a File variable would hand Kamal a path). */
function namesKamalReads(appRoot: string | null): Set<string> {
  if (!appRoot) return new Set();
  const destinations = listDestinations(appRoot);
  return new Set(variablesKamalReads(appRoot, [undefined, ...destinations], {}).map((v) => v.name));
}

export interface SyncOptions extends Selection, Omit<PlanOptions, keyof Selection> {
  project?: string;
  group?: string;
  dryRun: boolean;
  /** the Kamal app around the working directory, if any */
  appRoot: string | null;
  /** GITLAB_URL (else CI_SERVER_URL, else gitlab.com) */
  baseUrl: string;
  /** GITLAB_TOKEN, when set; else the vault's GITLAB_TOKEN */
  token: string | undefined;
  /** told as the sync goes: counts, never names or values */
  onProgress?: (progress: SyncProgress) => void;
}

export type SyncProgress = { phase: 'listing'; listed: number } | { phase: 'writing'; done: number; total: number };

export interface Failure {
  key: string;
  environment_scope: string;
  status: number;
  message: string;
}

export interface SyncResult {
  target: string;
  targetLabel: string;
  plan: Omit<PlanItem, 'send'>[];
  failed: Failure[];
}

/** A few writes at a time: much faster than one by one, far below GitLab's rate limits. */
const WRITE_CONCURRENCY = 4;

export async function syncToGitLab(session: VaultSession, scope: string, opts: SyncOptions): Promise<SyncResult> {
  const baseUrl = checkedGitlabUrl(opts.baseUrl);
  const target = resolveTarget(opts, baseUrl);
  const desired = await desiredVariables(session, scope, opts);
  const token = opts.token || (await session.lookup('GITLAB_TOKEN', scopeChain(scope)))?.value;
  if (!token)
    throw new UserError(
      'no GitLab token: set GITLAB_TOKEN, or store one: kamal-secret set GITLAB_TOKEN (a project access token with scope api, role Maintainer)',
    );
  const client = new GitLabClient({ baseUrl, token, target: target.apiPath });
  let items: PlanItem[];
  try {
    items = plan(desired, await client.list((listed) => opts.onProgress?.({ phase: 'listing', listed })), opts);
  } catch (err) {
    if (err instanceof GitLabError) throw new UserError(explain(err, target.label), { code: 'gitlab' });
    throw err;
  }
  // plan() yields one item per desired variable, in order, then the deletions.
  const desiredOf = new Map(desired.map((d, i) => [items[i], d]));
  const reconcile = (item: PlanItem, current: Variable) => plan([desiredOf.get(item)!], [current], opts)[0];
  const writes = opts.dryRun
    ? []
    : items.filter((i) => i.action === 'create' || i.action === 'update' || i.action === 'delete');
  let done = 0;
  const outcomes = await inParallel(writes, WRITE_CONCURRENCY, async (item) => {
    const outcome = await apply(client, item, target.label, reconcile, desiredOf.get(item)?.value);
    opts.onProgress?.({ phase: 'writing', done: ++done, total: writes.length });
    return outcome;
  });
  return {
    target: target.id,
    targetLabel: target.label,
    plan: items.map(({ send: _send, ...printable }) => printable),
    failed: outcomes.filter((o): o is Failure => o !== null),
  };
}

async function apply(
  client: GitLabClient,
  item: PlanItem,
  targetLabel: string,
  reconcile: Reconcile,
  value: string | undefined,
): Promise<Failure | null> {
  try {
    if (item.action === 'create') await create(client, item, reconcile);
    else if (item.action === 'update') await client.update(item.key, item.environment_scope, item.send!);
    else if (item.action === 'delete') await client.remove(item.key, item.environment_scope);
    return null;
  } catch (err) {
    if (!(err instanceof GitLabError)) throw err;
    const message = [401, 403, 404].includes(err.status) ? explain(err, targetLabel) : err.message;
    // A server may echo what it was sent: the value never reaches the terminal or a CI log.
    return {
      key: item.key,
      environment_scope: item.environment_scope,
      status: err.status,
      message: redact(message, [value]),
    };
  }
}

type Reconcile = (item: PlanItem, current: Variable) => PlanItem;

/**
 * A create that finds the variable already there, because an earlier attempt landed
 * but its answer was lost (a gateway timeout, then our retry) or because someone
 * created it meanwhile: compare with what GitLab has now and send only what differs.
 */
async function create(client: GitLabClient, item: PlanItem, reconcile: Reconcile): Promise<void> {
  try {
    await client.create(item.send!);
  } catch (err) {
    if (!(err instanceof GitLabError && err.status === 400 && /has already been taken/.test(err.message))) throw err;
    const again = reconcile(item, await client.get(item.key, item.environment_scope));
    if (again.action === 'update') await client.update(item.key, item.environment_scope, again.send!);
    else if (again.action === 'skip') throw new GitLabError(400, `${err.message} meanwhile, and ${again.reason}`);
  }
}

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

/** The bodies a first sync with `selection` would POST, and the variables it would skip (with why). */
export async function variablesToSend(
  session: VaultSession,
  scope: string,
  appRoot: string | null,
  selection: Selection,
): Promise<{ send: Record<string, unknown>[]; skipped: PlanItem[] }> {
  const desired = await desiredVariables(session, scope, { ...selection, appRoot });
  const items = plan(desired, [], { ...selection, prune: false, pruneAll: false, force: false });
  return { send: items.filter((i) => i.send).map((i) => i.send!), skipped: items.filter((i) => i.action === 'skip') };
}
