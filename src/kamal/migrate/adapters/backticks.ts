// What Kamal's adapters are built from: Ruby backticks (run a command, capture stdout,
// the terminal's stdin and stderr shared so that a password manager can ask), `$?`,
// and the few Ruby string helpers whose exact behaviour decides what a CLI receives.

import { spawnSync } from 'node:child_process';

export interface AdapterContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Backticks {
  stdout: string;
  /** Ruby's `$?.success?` */
  ok: boolean;
}

/** Kamal aborts with this message (a RuntimeError out of the adapter). */
export class AdapterError extends Error {}

/**
 * `program args…` as Ruby's backticks run it. `quiet` is the adapter's `2> /dev/null`;
 * `env` adds variables (`BW_SESSION=… bw …`). The arguments are those the shell
 * passes after unquoting what Kamal wrote, so no shell runs here.
 */
export function backticks(
  ctx: AdapterContext,
  program: string,
  args: string[],
  { quiet = false, env = {} }: { quiet?: boolean; env?: Record<string, string> } = {},
): Backticks {
  const r = spawnSync(program, args, {
    cwd: ctx.cwd,
    env: { ...ctx.env, ...env },
    encoding: 'utf8',
    stdio: ['inherit', 'pipe', quiet ? 'ignore' : 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return { stdout: r.stdout ?? '', ok: !r.error && r.status === 0 };
}

/** Every adapter's check_dependencies!: `CLI --version 2> /dev/null` must succeed. */
export function requireCli(ctx: AdapterContext, program: string, label: string): void {
  if (!backticks(ctx, program, ['--version'], { quiet: true }).ok) throw new AdapterError(`${label} is not installed`);
}

/** Ruby's `blank?` for the strings an adapter checks. */
export const blank = (s: string | undefined | null): boolean => s === undefined || s === null || /^\s*$/.test(s);

/** Ruby's `String#split("/")`: trailing empty fields dropped. */
export function rubySplit(s: string, separator = '/'): string[] {
  const parts = s.split(separator);
  while (parts.length && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * What the shell passes for a value Kamal's `optionize` wrote (Kamal::Utils.escape_shell_value:
 * Ruby's `String#dump` in double quotes, "$" and "`" escaped): the value itself, except
 * that the escapes `dump` writes for control characters and for "#{", "#$", "#@" mean
 * nothing to a shell inside double quotes and arrive as written.
 */
export function throughOptionize(value: string): string {
  const named: Record<string, string> = {
    '\n': 'n',
    '\t': 't',
    '\r': 'r',
    '\f': 'f',
    '\v': 'v',
    '\b': 'b',
    '\x07': 'a',
    '\x1b': 'e',
  };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters dump escapes
  return value.replace(/[\x00-\x1f\x7f]|#(?=[{$@])/g, (c) =>
    c === '#'
      ? '\\#'
      : named[c]
        ? `\\${named[c]}`
        : `\\x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** JSON.parse, failing as Kamal does when a CLI prints something else. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AdapterError(`${what} did not print JSON`);
  }
}

/** A JSON object whose key order is insertion order, as Ruby's JSON.dump of a Hash writes it. */
export function dumpHash(values: Map<string, unknown>): string {
  return `{${[...values].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v ?? null)}`).join(',')}}`;
}
