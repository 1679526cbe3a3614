// `$(kamal secrets …)` lines, which Kamal runs inside itself rather than through a
// shell (lib/kamal/secrets/dotenv/inline_command_substitution.rb): `extract` is pure
// and evaluated here; `fetch` is evaluated for the `test` adapter and otherwise left
// unknown, since it needs the password manager. Any failure inside Kamal (bad JSON, a
// name not in it, Thor refusing the arguments, an unknown adapter or a missing CLI)
// raises out of the secrets parsing and aborts Kamal.

import { own } from '../light/tables.js';
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

/** Kamal's test, /\A\s*kamal\s*secrets\s+/, with Ruby's (ASCII) white space. */
export function isKamalInline(command: string): boolean {
  return /^[ \t\n\v\f\r]*kamal[ \t\n\v\f\r]*secrets[ \t\n\v\f\r]+/.test(command);
}

const aborts = (reason: string): CommandOutcome => ({ kind: 'aborts', reason });

export function kamalInline(command: string, env: NodeJS.ProcessEnv): CommandOutcome {
  let words: string[];
  try {
    words = shellSplit(command);
  } catch {
    return aborts('Kamal cannot split the command (an unmatched quote)');
  }
  if (words[0] !== 'kamal' || words[1] !== 'secrets')
    return { kind: 'not-run', reason: 'kamal secrets is written in a form check does not model' };
  if (words[2] === 'extract') return extract(words.slice(3));
  if (words[2] === 'fetch') return fetchSecrets(words.slice(3), env);
  return aborts(`kamal secrets ${words[2] ?? ''} prints no secret inside a secrets file`);
}

function extract(args: string[]): CommandOutcome {
  if (args.length !== 2) return aborts('kamal secrets extract takes a name and the JSON that fetch printed');
  const [name, json] = args;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return aborts('what kamal secrets extract was given is not JSON');
  }
  const found =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? ((parsed as Record<string, unknown>)[name] ?? Object.entries(parsed).find(([k]) => k.endsWith(`/${name}`))?.[1])
      : undefined;
  if (found === undefined || found === null) return aborts(`Kamal aborts with "Could not find secret ${name}"`);
  return typeof found === 'string'
    ? { kind: 'ran', via: 'kamal', stdout: found, status: 0 }
    : { kind: 'not-run', reason: 'the secret fetch returned is not a string' };
}

function fetchSecrets(args: string[], env: NodeJS.ProcessEnv): CommandOutcome {
  const opts = fetchOptions(args);
  if (!opts?.adapter)
    return { kind: 'not-run', reason: 'kamal secrets fetch is written in a form check does not model' };
  const key = adapterKey(opts.adapter);
  if (!key) return aborts(`Kamal aborts with "Unknown secrets adapter: ${opts.adapter}"`);
  const adapter = ADAPTERS[key];
  if (adapter.needsAccount && !opts.account)
    return aborts(`kamal secrets fetch --adapter ${opts.adapter} needs --account, and Kamal aborts without it`);
  if (adapter.cli && !onPath(adapter.cli, env))
    return aborts(`${adapter.cli} is not on PATH, and Kamal aborts with "${adapter.label} is not installed"`);
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
  return own(ALIASES, name.toLowerCase()) ?? Object.keys(ADAPTERS).find((k) => camelize(k) === camelize(name));
}
