// Kamal 2.12's Bitwarden adapter (lib/kamal/secrets/adapters/bitwarden.rb), calling `bw`
// with the same commands: status, login and `unlock --raw` as needed, sync, then
// `get item` per item, reading the login password or the named custom fields.

import { type AdapterContext, AdapterError, backticks, parseJson, requireCli, rubySplit } from './backticks.js';
import type { FetchRequest } from './index.js';

interface Item {
  login?: { password?: unknown } | null;
  fields?: { name?: unknown; value?: unknown }[] | null;
}

export function fetchBitwarden(req: FetchRequest, ctx: AdapterContext): Map<string, unknown> {
  requireCli(ctx, 'bw', 'Bitwarden CLI');
  const session = login(req.account!, ctx);
  const results = new Map<string, unknown>();
  for (const [item, fields] of itemsFields(req.secrets.map((s) => (req.from === undefined ? s : `${req.from}/${s}`)))) {
    const got = bw(ctx, ['get', 'item', item], session);
    if (!got.ok) throw new AdapterError(`Could not read ${item} from Bitwarden`);
    const json = parseJson(got.stdout, 'bw get item') as Item;
    if (fields.some((f) => f !== undefined)) fromFields(results, fields, item, json);
    else if (json.login?.password !== undefined && json.login.password !== null && json.login.password !== false)
      results.set(item, json.login.password);
    else if (json.fields?.length)
      fromFields(
        results,
        json.fields.map((f) => f.name as string),
        item,
        json,
      );
    else throw new AdapterError(`Item ${item} is not a login type item and no fields were specified`);
  }
  return results;
}

/** The session to pass on as BW_SESSION (none when the vault was already unlocked). */
function login(account: string, ctx: AdapterContext): string | undefined {
  let status = statusOf(ctx, undefined);
  if (status === 'unauthenticated') {
    bw(ctx, ['login', account], undefined);
    status = statusOf(ctx, undefined);
  }
  let session: string | undefined;
  if (status === 'locked') {
    session = bw(ctx, ['unlock', '--raw'], undefined).stdout || undefined;
    status = statusOf(ctx, session);
  }
  if (status !== 'unlocked') throw new AdapterError('Failed to login to and unlock Bitwarden');
  if (!bw(ctx, ['sync'], session).ok) throw new AdapterError('Failed to sync Bitwarden');
  return session;
}

function statusOf(ctx: AdapterContext, session: string | undefined): unknown {
  return (parseJson(bw(ctx, ['status'], session).stdout, 'bw status') as { status?: unknown } | null)?.status;
}

/** `run_command`: `[BW_SESSION=…] bw COMMAND`, output stripped. */
function bw(ctx: AdapterContext, args: string[], session: string | undefined) {
  const r = backticks(ctx, 'bw', args, { env: session === undefined ? {} : { BW_SESSION: session } });
  return { ...r, stdout: r.stdout.trim() };
}

/** `item[/field]` grouped by item; a missing field is undefined (Ruby's nil). */
function itemsFields(secrets: string[]): Map<string, (string | undefined)[]> {
  const items = new Map<string, (string | undefined)[]>();
  for (const secret of secrets) {
    const [item, field] = rubySplit(secret);
    if (!items.has(item)) items.set(item, []);
    items.get(item)!.push(field);
  }
  return items;
}

function fromFields(results: Map<string, unknown>, fields: (string | undefined)[], item: string, json: Item): void {
  for (const field of fields) {
    const found = json.fields?.find((f) => f.name === field);
    if (!found) throw new AdapterError(`Could not find field ${field ?? ''} in item ${item} in Bitwarden`);
    results.set(`${item}/${field ?? ''}`, found.value);
  }
}
