// `$(kamal secrets …)` lines, which Kamal runs inside itself rather than through a
// shell (lib/kamal/secrets/dotenv/inline_command_substitution.rb): `extract` is pure
// and evaluated here; `fetch` is evaluated for the `test` adapter, reported as fatal
// when Kamal would abort (unknown adapter, its CLI not installed), and otherwise left
// unknown, since it needs the password manager.

import type { CommandOutcome } from './dotenv-model.js';
import { shellEscape, shellSplit } from './dotenv-model.js';
import { onPath } from './path-lookup.js';

/** Kamal's adapters (lib/kamal/secrets/adapters), the CLI each checks for, and whether it needs --account. */
const ADAPTERS: Record<string, { cli?: string; label?: string; needsAccount: boolean }> = {
  one_password: { cli: 'op', label: '1Password CLI', needsAccount: true },
  bitwarden: { cli: 'bw', label: 'Bitwarden CLI', needsAccount: true },
  bitwarden_secrets_manager: { cli: 'bws', label: 'Bitwarden Secrets Manager CLI', needsAccount: false },
  last_pass: { cli: 'lpass', label: 'LastPass CLI', needsAccount: true },
  aws_secrets_manager: { cli: 'aws', label: 'AWS CLI', needsAccount: false },
  doppler: { cli: 'doppler', label: 'Doppler CLI', needsAccount: false },
  enpass: { cli: 'enpass-cli', label: 'Enpass CLI', needsAccount: false },
  gcp_secret_manager: { cli: 'gcloud', label: 'gcloud CLI', needsAccount: true },
  passbolt: { cli: 'passbolt', label: 'Passbolt CLI', needsAccount: false },
  test: { needsAccount: true },
};

const ALIASES: Record<string, string> = {
  '1password': 'one_password',
  lastpass: 'last_pass',
  gcp: 'gcp_secret_manager',
  'bitwarden-sm': 'bitwarden_secrets_manager',
};

/** What `kamal secrets fetch --inline` prints: the JSON object, shell-escaped. */
export function kamalFetchOutput(values: Record<string, string>): string {
  return shellEscape(JSON.stringify(values));
}

export function isKamalInline(command: string): boolean {
  return /^\s*kamal\s*secrets\s+/.test(command);
}

export function kamalInline(command: string, env: NodeJS.ProcessEnv): CommandOutcome {
  let words: string[];
  try {
    words = shellSplit(command);
  } catch {
    return { kind: 'ran', via: 'kamal', stdout: '', status: 1 };
  }
  if (words[0] !== 'kamal' || words[1] !== 'secrets')
    return { kind: 'not-run', reason: 'kamal secrets is written in a form check does not model' };
  if (words[2] === 'extract') return extract(words.slice(3));
  if (words[2] === 'fetch') return fetchSecrets(words.slice(3), env);
  return { kind: 'not-run', reason: `kamal secrets ${words[2] ?? ''} is not modelled` };
}

function extract(args: string[]): CommandOutcome {
  if (args.length < 2) return { kind: 'ran', via: 'kamal', stdout: '', status: 1 };
  const [name, json] = args;
  try {
    const parsed = JSON.parse(json) as Record<string, string>;
    const value = parsed[name] ?? Object.entries(parsed).find(([k]) => k.endsWith(`/${name}`))?.[1];
    return value === undefined
      ? { kind: 'ran', via: 'kamal', stdout: '', status: 1 }
      : { kind: 'ran', via: 'kamal', stdout: String(value), status: 0 };
  } catch {
    return { kind: 'ran', via: 'kamal', stdout: '', status: 1 };
  }
}

function fetchSecrets(args: string[], env: NodeJS.ProcessEnv): CommandOutcome {
  const opts = fetchOptions(args);
  if (!opts?.adapter)
    return { kind: 'not-run', reason: 'kamal secrets fetch is written in a form check does not model' };
  const key =
    ALIASES[opts.adapter.toLowerCase()] ?? Object.keys(ADAPTERS).find((k) => camelize(k) === camelize(opts.adapter!));
  if (!key)
    return { kind: 'not-run', fatal: true, reason: `Kamal aborts with "Unknown secrets adapter: ${opts.adapter}"` };
  const adapter = ADAPTERS[key];
  if (adapter.needsAccount && !opts.account)
    return { kind: 'not-run', reason: `kamal secrets fetch --adapter ${opts.adapter} needs --account` };
  if (adapter.cli && !onPath(adapter.cli, env)) {
    return {
      kind: 'not-run',
      fatal: true,
      reason: `${adapter.cli} is not on PATH, and Kamal aborts with "${adapter.label} is not installed"`,
    };
  }
  if (key !== 'test')
    return {
      kind: 'not-run',
      reason: `kamal secrets fetch asks ${adapter.label!.replace(/ CLI$/, '')}, which check does not call`,
    };
  // The test adapter answers each (prefixed) name reversed, LPAREN and RPAREN made parentheses.
  const keys = opts.secrets.map((s) => (opts.from ? `${opts.from}/${s}` : s));
  const values = Object.fromEntries(
    keys.map((k) => [k, [...k.replace(/LPAREN/g, '(').replace(/RPAREN/g, ')')].reverse().join('')]),
  );
  return { kind: 'ran', via: 'kamal', stdout: kamalFetchOutput(values), status: 0 };
}

/** Thor's parsing of `fetch`'s options (--adapter/-a, --account, --from, each also as --opt=value). */
export function fetchOptions(
  args: string[],
): { adapter?: string; account?: string; from?: string; secrets: string[] } | null {
  const out: { adapter?: string; account?: string; from?: string; secrets: string[] } = { secrets: [] };
  for (let i = 0; i < args.length; i++) {
    const m = /^(--adapter|-a|--account|--from)(?:=(.*))?$/.exec(args[i]);
    if (!m) {
      if (args[i].startsWith('-')) return null;
      out.secrets.push(args[i]);
      continue;
    }
    const value = m[2] ?? args[++i];
    if (value === undefined) return null;
    if (m[1] === '--adapter' || m[1] === '-a') out.adapter = value;
    else if (m[1] === '--account') out.account = value;
    else out.from = value;
  }
  return out;
}

const camelize = (s: string) =>
  s
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** Kamal's name for an adapter given as `--adapter NAME` (Adapters.lookup), or undefined when Kamal knows none. */
export function adapterKey(name: string): string | undefined {
  return ALIASES[name.toLowerCase()] ?? Object.keys(ADAPTERS).find((k) => camelize(k) === camelize(name));
}
