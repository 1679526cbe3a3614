// `kamal secrets fetch` without Kamal: the adapters kamal migrate calls itself, exactly
// as Kamal 2.12 does, and the one line that refuses the others.

import { UserError } from '../../../errors.js';
import type { CommandOutcome } from '../../dotenv-model.js';
import { shellEscape } from '../../dotenv-model.js';
import { adapterKey } from '../../kamal-secrets-command.js';
import { type AdapterContext, AdapterError, blank, dumpHash } from './backticks.js';
import { fetchBitwarden } from './bitwarden.js';
import { fetchLastPass } from './last-pass.js';
import { fetchOnePassword } from './one-password.js';

export interface FetchRequest {
  /** Kamal's name for the adapter: one_password, bitwarden, … */
  adapter: string;
  account?: string;
  from?: string;
  secrets: string[];
}

const COVERED: Record<string, (req: FetchRequest, ctx: AdapterContext) => Map<string, unknown>> = {
  one_password: fetchOnePassword,
  bitwarden: fetchBitwarden,
  last_pass: fetchLastPass,
};

/** The adapters evaluated without Kamal, as users name them in `--adapter`. */
export const COVERED_ADAPTERS = ['1password', 'bitwarden', 'lastpass'];

/** `fetch --adapter NAME …` as Kamal resolves NAME, or null for an adapter Kamal does not know. */
export function fetchRequest(opts: { adapter: string; account?: string; from?: string; secrets: string[] }) {
  const adapter = adapterKey(opts.adapter);
  return adapter ? { ...opts, adapter } : null;
}

export const isCovered = (adapter: string) => adapter in COVERED;

/**
 * What `kamal secrets fetch --inline` gives the secrets file: the JSON object, shell-escaped;
 * or, where Kamal aborts, that it does not run, with Kamal's message.
 */
export function fetchWithoutKamal(req: FetchRequest, ctx: AdapterContext): CommandOutcome {
  const fetch = COVERED[req.adapter];
  if (!fetch) throw unsupportedAdapter(req.adapter);
  if (blank(req.account))
    return { kind: 'not-run', reason: `kamal secrets fetch --adapter ${req.adapter} needs --account` };
  try {
    return { kind: 'ran', via: 'kamal', stdout: shellEscape(dumpHash(fetch(req, ctx))), status: 0 };
  } catch (err) {
    if (err instanceof AdapterError) return { kind: 'not-run', reason: `Kamal aborts with "${err.message}"` };
    throw err;
  }
}

/** The one line that refuses an adapter only Kamal can evaluate; `where` is FILE:LINE. */
export const unsupportedAdapter = (adapter: string, where?: string) =>
  new UserError(
    `${where ? `${where}: ` : ''}kamal secrets fetch --adapter ${adapter} needs Kamal: without it, kamal migrate calls only ${COVERED_ADAPTERS.join(', ')} (and Kamal's test adapter) itself; nothing was changed`,
    {
      code: 'unsupported_adapter',
      fix: 'install Kamal (bin/kamal, bundle exec kamal, or kamal on PATH) so that its own adapter runs',
    },
  );
