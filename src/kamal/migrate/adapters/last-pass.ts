// Kamal 2.12's LastPass adapter (lib/kamal/secrets/adapters/last_pass.rb), calling
// `lpass` with the same commands: `status`, `login` when not logged in as the
// account, then one `show … --json` for every secret.

import { type AdapterContext, AdapterError, backticks, parseJson, requireCli } from './backticks.js';
import type { FetchRequest } from './index.js';

export function fetchLastPass(req: FetchRequest, ctx: AdapterContext): Map<string, unknown> {
  requireCli(ctx, 'lpass', 'LastPass CLI');
  const account = req.account!;
  if (backticks(ctx, 'lpass', ['status', '--color', 'never']).stdout.trim() !== `Logged in as ${account}.`) {
    if (!backticks(ctx, 'lpass', ['login', account]).ok) throw new AdapterError('Failed to login to LastPass');
  }
  const secrets = req.secrets.map((s) => (req.from === undefined ? s : `${req.from}/${s}`));
  const shown = backticks(ctx, 'lpass', ['show', ...secrets, '--json']);
  // Ruby's Array#inspect: ["A", "B"]
  if (!shown.ok)
    throw new AdapterError(`Could not read [${secrets.map((s) => JSON.stringify(s)).join(', ')}] from LastPass`);
  const items = parseJson(shown.stdout, 'lpass show');
  if (!Array.isArray(items)) throw new AdapterError('lpass show printed no list');
  const results = new Map<string, unknown>();
  for (const item of items as { fullname?: unknown; password?: unknown }[])
    results.set(String(item?.fullname), item?.password);
  const missing = secrets.filter((s) => !results.has(s));
  if (missing.length) throw new AdapterError(`Could not find ${missing.join(', ')} in LastPass`);
  return results;
}
