// What one parsed secrets file does wrong, line by line (reference §pitfalls). Each
// function below looks at one kind of trouble; check.ts runs them per file and version.

import type { Found } from '../../vault/secrets.js';
import type { DotenvVersion, Entry, ParseResult } from '../dotenv-model.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  file: string;
  line: number | null;
  name: string | null;
  severity: Severity;
  code: string;
  message: string;
  fix: string;
}

type Issue = Pick<Finding, 'severity' | 'code' | 'message' | 'fix'>;

export interface FileContext {
  file: string;
  version: DotenvVersion;
  /** the vault's secrets visible in the deploy's scope; null when the vault could not be read */
  visible: Map<string, Found> | null;
  /** names .kamal/secrets-common defines (empty when this file is that one) */
  commonNames: Set<string>;
  scopeLabel: string;
  needed: Map<string, string>;
}

export const ENV_MODE_FIX =
  'use env mode: NAME=$NAME in .kamal/secrets, and deploy with kamal-secret run -- kamal deploy';
const VAULT_FIX = 'store the value in the vault (kamal-secret set NAME) and write NAME=$NAME';

const error = (code: string, message: string, fix: string): Issue => ({ severity: 'error', code, message, fix });
const warning = (code: string, message: string, fix: string): Issue => ({ severity: 'warning', code, message, fix });

export function fileFindings(parsed: ParseResult, ctx: FileContext): Finding[] {
  const out = abortFindings(parsed, ctx.file);
  const intermediates = intermediateNames(parsed, ctx.needed);
  const earlier = new Set<string>();
  for (const e of parsed.entries) {
    const issues = [
      ...syntaxIssues(e),
      ...singleQuoteIssues(e, ctx, earlier),
      ...commandIssues(e, ctx, intermediates),
      ...variableIssues(e, ctx),
      ...valueIssues(e, ctx.file, intermediates),
    ];
    earlier.add(e.name);
    // An empty result no other finding explains, from commands or variables, or written
    // empty (NAME=, NAME='') on the line that wins, for a name the deploy needs.
    const literal = e.commands.length === 0 && e.variables.length === 0;
    if (
      issues.length === 0 &&
      e.value === '' &&
      (!literal || (ctx.needed.has(e.name) && parsed.values.get(e.name) === e))
    ) {
      issues.push(
        error(
          'empty-value',
          `${e.name} is deployed empty`,
          `give it a value: kamal-secret set ${e.name}, then write ${e.name}=$${e.name}`,
        ),
      );
    }
    out.push(...issues.map((i) => ({ file: ctx.file, line: e.line, name: e.name, ...i })));
  }
  return out;
}

function abortFindings(parsed: ParseResult, file: string): Finding[] {
  const abort = parsed.abort;
  if (abort?.kind === 'not-found') {
    return [
      {
        file,
        line: abort.line,
        name: null,
        ...error(
          'command-not-found',
          `${abort.program} is not on PATH and the command has no shell metacharacters: Ruby raises ENOENT and dotenv drops the whole file, so every secret in ${file} arrives missing`,
          `put ${abort.program} on PATH wherever kamal runs (CI included), or ${ENV_MODE_FIX}`,
        ),
      },
    ];
  }
  if (abort?.kind === 'format-error') {
    return [
      {
        file,
        line: abort.line,
        name: abort.name,
        ...error(
          'bare-export',
          `"export ${abort.name}" without a value, for a name not assigned earlier in the file, is a dotenv parse error: Kamal aborts with a Ruby backtrace`,
          `write ${abort.name}=$${abort.name} instead`,
        ),
      },
    ];
  }
  return [];
}

/**
 * Names only used inside later commands, like SECRETS in the fetch/extract pattern:
 * their alterations are reported on the lines that extract from them. (dotenv 3.1
 * substitutes variables before it finds commands, so judge by the line's text.)
 */
export function intermediateNames(parsed: ParseResult, needed: Map<string, string>): Set<string> {
  return new Set(
    parsed.entries
      .filter((e) => e.raw?.includes('$('))
      .flatMap((e) => e.variables.filter((v) => v.source === 'file').map((v) => v.name))
      .filter((n) => !needed.has(n)),
  );
}

/** An escape the author did not mean: dotenv drops the backslash of `\X` unless X is `\`, `$` or a quote. */
const dropsBackslash = (raw: string) => [...raw.matchAll(/\\([\s\S])/g)].some((m) => !'\\$"\''.includes(m[1]));

function syntaxIssues(e: Entry): Issue[] {
  const raw = e.raw ?? '';
  const issues: Issue[] = [];
  if (e.quote !== "'" && /\$\{[A-Za-z0-9_]*[^A-Za-z0-9_}]/.test(raw)) {
    issues.push(
      error(
        'shell-operator',
        `${e.name} uses a shell operator in \${…}, which Kamal does not support: it substitutes the variable and keeps the rest (\${A:-x} becomes A's value followed by ":-x}")`,
        'give the secret its real value in the vault (kamal-secret set NAME) and write NAME=$NAME',
      ),
    );
  }
  if (e.cutAtHash) {
    issues.push(
      error(
        'unquoted-hash',
        `the unquoted value of ${e.name} is cut at "#": everything from "#" on is dropped`,
        `quote the value: NAME='…', or ${VAULT_FIX}`,
      ),
    );
  }
  if (e.quote !== "'" && dropsBackslash(raw)) {
    const newline =
      e.quote === '"' && /\\[nr]/.test(raw) ? ' ("\\n" in double quotes stays backslash + n, not a newline)' : '';
    issues.push(
      error(
        'backslash',
        `dotenv removes the backslashes in ${e.name}'s value${newline}: it arrives altered`,
        `single-quote the value, or ${VAULT_FIX}`,
      ),
    );
  }
  return issues;
}

/**
 * `NAME='$NAME'`: single quotes keep the reference as text, so the secret arrives as
 * the characters "$NAME". Judged a mistake only for names the vault, the file or
 * secrets-common provides (or the line's own name): a quoted `'$abc'` may be a
 * password that really starts with "$".
 */
function singleQuoteIssues(e: Entry, { visible, commonNames }: FileContext, earlier: Set<string>): Issue[] {
  if (e.quote !== "'" || !e.value) return [];
  const known = [...e.value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)]
    .map((r) => r[1])
    .filter((n) => n === e.name || earlier.has(n) || commonNames.has(n) || visible?.has(n));
  if (known.length === 0) return [];
  return [
    error(
      'single-quoted-variable',
      `single quotes keep $${known[0]} as text: ${e.name} is deployed with the characters "$${known[0]}" in it, not the value of ${known[0]}`,
      'drop the single quotes, or use double quotes',
    ),
  ];
}

function commandIssues(e: Entry, { version }: FileContext, intermediates: Set<string>): Issue[] {
  const issues: Issue[] = [];
  for (const { command, outcome: o } of e.commands) {
    const complaint = o.kind === 'ran' && o.stderr ? ` (${o.stderr.trim().split('\n').join('; ')})` : '';
    if (o.kind === 'ran' && o.status !== 0) {
      issues.push(
        o.via === 'vault'
          ? error(
              'command-failed',
              `$(${command}) finds no such secret in the vault: Kamal ignores the exit status and deploys ${e.name} empty`,
              `kamal-secret set ${e.name}`,
            )
          : error(
              'command-failed',
              `$(${command}) exits with status ${o.status}${complaint}: Kamal ignores it and deploys ${o.stdout.replace(/\r?\n$/, '') === '' ? `${e.name} empty` : 'whatever it printed'}`,
              `make the command succeed, or store the secret: kamal-secret set ${e.name}`,
            ),
      );
    } else if (o.kind === 'ran' && o.stdout.replace(/\r?\n$/, '') === '') {
      issues.push(
        error(
          'command-empty',
          `$(${command}) prints nothing${complaint}: ${e.name} is deployed empty`,
          `store the value: kamal-secret set ${e.name}`,
        ),
      );
    } else if (o.kind === 'ran' && o.altered) {
      issues.push(
        error(
          'env-file-extract',
          `$(${command}) delivers ${e.name} altered: ${o.altered}`,
          'kamal-secret import .env, delete the file, and write NAME=$NAME',
        ),
      );
    } else if (o.kind === 'ran' && version === '3.2' && o.stdout.includes('$') && !intermediates.has(e.name)) {
      issues.push(
        error(
          'dollar-in-command',
          `the value of ${e.name} contains "$", and dotenv 3.2 expands variables in a command's output: it arrives altered`,
          ENV_MODE_FIX,
        ),
      );
    } else if (o.kind === 'not-run' && o.fatal) {
      issues.push(
        error(
          'kamal-aborts',
          `$(${command}): ${o.reason}, so no secret is deployed at all`,
          `install what it needs wherever kamal runs (CI included), or store the secrets in the vault and ${ENV_MODE_FIX}`,
        ),
      );
    } else if (o.kind === 'not-run' && e.raw?.includes('$(')) {
      issues.push(
        warning(
          'command-not-run',
          `$(${command}) was not run (${o.reason}): Kamal ignores its exit status, so if it fails ${e.name} is deployed empty`,
          'run kamal-secret check --exec to run it, or store the secret: kamal-secret set NAME',
        ),
      );
    }
    if (/\bcat\b[^|]*\.env\b|\bgrep\b.*\.env\b/.test(command)) {
      issues.push(
        warning(
          'plaintext-env',
          `${e.name} is read from a plaintext .env file`,
          'kamal-secret import .env, delete the file, and write NAME=$NAME',
        ),
      );
    }
  }
  return issues;
}

function variableIssues(e: Entry, { version, visible, commonNames, scopeLabel }: FileContext): Issue[] {
  const raw = e.raw ?? '';
  const issues: Issue[] = [];
  // Only variables written in the line: on dotenv 3.2 a `$` in a command's output is
  // expanded too, and that is reported as dollar-in-command, not as an unset variable.
  const written = e.variables.filter((v) => new RegExp(`\\$\\{?${v.name}\\b`, 'i').test(raw));
  for (const v of written) {
    if (v.source === 'unset' && commonNames.has(v.name)) {
      issues.push(
        error(
          'cross-file-reference',
          `$${v.name} refers to a name defined in .kamal/secrets-common, which this file cannot see: it falls back to the environment, where ${v.name} is not set, and ${e.name} is deployed empty`,
          `define ${e.name} in .kamal/secrets-common, or give ${v.name} a value in the vault`,
        ),
      );
    } else if (v.source === 'unset' && visible === null) {
      issues.push(
        warning(
          'unset-variable',
          `$${v.name} is not in the environment, and the vault could not be read to tell whether kamal-secret run provides it: if not, ${e.name} is deployed empty`,
          'unlock the vault (kamal-secret unlock) and check again',
        ),
      );
    } else if (v.source === 'unset') {
      issues.push(
        error(
          'unset-variable',
          `$${v.name} is in neither the environment nor the vault (scope ${scopeLabel}), so ${e.name} is deployed ${v.inCommand ? 'with an empty argument in its command' : 'empty'}`,
          `kamal-secret set ${v.name}, then deploy with kamal-secret run -- kamal deploy`,
        ),
      );
    } else if (v.source === 'env' && version === '3.1' && visible?.get(v.name)?.value.includes('$(')) {
      issues.push(
        error(
          'command-text-via-env',
          `the value of ${v.name} contains "$(", which dotenv 3.1 runs as a command even through $${v.name}`,
          `change the value so it holds no "$(" (kamal-secret set ${v.name})`,
        ),
      );
    }
  }
  return issues;
}

function valueIssues(e: Entry, file: string, intermediates: Set<string>): Issue[] {
  const issues: Issue[] = [];
  if (e.raw && !e.raw.includes('$') && e.value) {
    issues.push(
      warning(
        'literal-value',
        `${e.name} holds a literal value in ${file}, a file that is usually committed`,
        `kamal-secret set ${e.name}, then write ${e.name}=$${e.name}`,
      ),
    );
  }
  if (e.value !== null && /[\n\\]/.test(e.value) && !intermediates.has(e.name)) {
    issues.push(
      warning(
        'escaped-in-container',
        `${e.name} spans several lines or holds a backslash: Kamal writes it escaped into the container's env file and docker does not unescape it (basecamp/kamal#1467)`,
        'pass such values as files, or encode them (base64) in the vault',
      ),
    );
  }
  return issues;
}
