// Kamal 2.12's 1Password adapter (lib/kamal/secrets/adapters/one_password.rb), calling
// `op` with the same arguments: sign in when `op account get` says we are not, then one
// `op item get` per item with the fields asked for.

import {
  type AdapterContext,
  AdapterError,
  backticks,
  parseJson,
  throughOptionize as q,
  requireCli,
  rubySplit,
} from './backticks.js';
import type { FetchRequest } from './index.js';

export function fetchOnePassword(req: FetchRequest, ctx: AdapterContext): Map<string, unknown> {
  requireCli(ctx, 'op', '1Password CLI');
  const account = req.account!;
  const session = signIn(account, ctx);
  const results = new Map<string, unknown>();
  if (req.secrets.length === 0) {
    if (req.from === undefined) throw new AdapterError("undefined method `delete_prefix' for nil:NilClass");
    const [vault, item] = rubySplit(req.from.replace(/^op:\/\//, ''));
    const json = parseJson(itemGet(vault, item, undefined, account, session, ctx), 'op item get') as {
      fields?: unknown;
    };
    if (!Array.isArray(json.fields)) throw new AdapterError('key not found: "fields"');
    mergeFields(results, json.fields);
    return results;
  }
  for (const [vault, items] of vaultsItemsFields(req.secrets.map((s) => prefixed(s, req.from)))) {
    for (const [item, fields] of items) {
      const json = parseJson(itemGet(vault, item, fields, account, session, ctx), 'op item get');
      mergeFields(results, fields.length === 1 ? [json] : json);
    }
  }
  return results;
}

/** `login`: nothing when `op account get` succeeds, else the session `op signin --raw` prints (or none). */
function signIn(account: string, ctx: AdapterContext): string | undefined {
  if (backticks(ctx, 'op', ['account', 'get', '--account', account], { quiet: true }).ok) return undefined;
  const signin = backticks(ctx, 'op', ['signin', '--account', q(account), '--force', '--raw']);
  if (!signin.ok) throw new AdapterError('Failed to login to 1Password');
  return signin.stdout === '' ? undefined : signin.stdout; // Kamal passes it on as printed (`session.presence`)
}

function itemGet(
  vault: string,
  item: string,
  fields: string[] | undefined,
  account: string,
  session: string | undefined,
  ctx: AdapterContext,
): string {
  const args = ['item', 'get', item, '--vault', q(vault), '--format', 'json', '--account', q(account)];
  if (session !== undefined) args.push('--session', q(session));
  if (fields?.length) args.push('--fields', q(fields.map((f) => `label=${f}`).join(',')));
  const r = backticks(ctx, 'op', args);
  if (!r.ok)
    throw new AdapterError(
      `Could not read ${fields?.length ? `${fields.join(', ')} ` : ''}from ${item} in the ${vault} 1Password vault`,
    );
  return r.stdout;
}

const prefixed = (secret: string, from: string | undefined) => (from === undefined ? secret : `${from}/${secret}`);

/** `vault/item[/field…]` grouped by vault, then item; a missing field means `password`, sections join with ".". */
function vaultsItemsFields(secrets: string[]): Map<string, Map<string, string[]>> {
  const vaults = new Map<string, Map<string, string[]>>();
  for (const secret of secrets) {
    const [vault, item, ...fields] = rubySplit(secret.replace(/^op:\/\//, ''));
    if (fields.length === 0) fields.push('password');
    if (!vaults.has(vault)) vaults.set(vault, new Map());
    const items = vaults.get(vault)!;
    if (!items.has(item)) items.set(item, []);
    items.get(item)!.push(fields.join('.'));
  }
  return vaults;
}

/** `fields_map`: each field under its reference without `op://` and a trailing `/password`. */
function mergeFields(results: Map<string, unknown>, fields: unknown): void {
  if (!Array.isArray(fields))
    throw new AdapterError('op item get printed an object where a list of fields was expected');
  for (const field of fields as { reference?: unknown; value?: unknown }[]) {
    if (typeof field?.reference !== 'string') throw new AdapterError('op item get printed a field without a reference');
    results.set(field.reference.replace(/^op:\/\//, '').replace(/\/password$/, ''), field.value);
  }
}
