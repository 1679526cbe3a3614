// A model of how Kamal 2 parses one .kamal/secrets file with the dotenv gem
// (reference/kamal-secrets.md; dotenv 3.1.8 / 3.2.0 lib/dotenv/parser.rb and
// substitutions/*.rb; Kamal's secrets/dotenv/inline_command_substitution.rb).
//
//   value = strip, remove surrounding quotes
//   '…'  literal
//   "…"  \n and \r stay backslash + letter (dotenv 3, unless DOTENV_LINEBREAK_MODE=legacy)
//   not single-quoted: remove backslashes before anything but `$`, then
//     dotenv 3.1: variables, then commands;  dotenv 3.2: commands, then variables
//   commands: Kamal substitutes variables in the command text, then runs it
//   (`kamal secrets …` runs inside Kamal), output minus one trailing newline.

export type DotenvVersion = '3.1' | '3.2';

/** Ruby's \s: ASCII white space only. */
const S = '[ \\t\\n\\v\\f\\r]';
const LINE = new RegExp(
  `^${S}*(export${S}+)?([\\w.]+)(?:(?:${S}*=${S}*?|:${S}+?)(${S}*'(?:\\\\'|[^'])*'|${S}*"(?:\\\\"|[^"])*"|[^#\\n]+)?)?${S}*(?:#.*)?$`,
  'gm',
);
const QUOTED = /^(['"])([\s\S]*)\1$/;
const VARIABLE = /(\\)?(\$)(?!\()\{?([A-Z0-9_]+)?\}?/gi;

export type CommandOutcome =
  | {
      kind: 'ran';
      stdout: string;
      status: number;
      via: 'vault' | 'shell' | 'exec' | 'kamal' | 'file';
      /** what a command evaluated without running it wrote on stderr */
      stderr?: string;
      /** for a command that greps a name out of a dotenv file: why its output is not the value that file gives it */
      altered?: string;
    }
  | { kind: 'not-found'; program: string }
  | { kind: 'not-run'; reason: string /** Kamal itself aborts on this command */; fatal?: boolean };

/** Runs (or resolves, or declines to run) one command as Kamal would. */
export type Executor = (command: string) => CommandOutcome;

export interface CommandEvent {
  command: string;
  outcome: CommandOutcome;
}

export interface VariableEvent {
  name: string;
  /** where the value came from: an earlier line of this file, the environment, or nowhere */
  source: 'file' | 'env' | 'unset';
  inCommand: boolean;
}

export interface Entry {
  name: string;
  line: number;
  /** the value text as written (quotes included), or null for `NAME=` / bare `export NAME` */
  raw: string | null;
  /** an unquoted value that a `#` right after it (no white space between) cut short */
  cutAtHash: boolean;
  quote: "'" | '"' | '';
  exported: boolean;
  /** the delivered value; null when a command's output is unknown (not run) */
  value: string | null;
  commands: CommandEvent[];
  variables: VariableEvent[];
}

export interface ParseResult {
  entries: Entry[];
  /** the merged result, last line winning, as Kamal sees it (empty when the file aborts) */
  values: Map<string, Entry>;
  /** set when dotenv would abort: the whole file yields nothing (or Kamal crashes) */
  abort?: { kind: 'not-found'; line: number; program: string } | { kind: 'format-error'; line: number; name: string };
}

interface Ctx {
  hash: Map<string, string | null>;
  env: Record<string, string | undefined>;
  exec: Executor;
  entry: Entry;
}

const UNKNOWN = '\u0000unknown\u0000';

export function parseSecretsFile(
  text: string,
  version: DotenvVersion,
  env: Record<string, string | undefined>,
  exec: Executor,
): ParseResult {
  const source = text.replace(/\r\n?/g, '\n');
  const hash = new Map<string, string | null>();
  const entries: Entry[] = [];
  const result: ParseResult = { entries, values: new Map() };
  for (const m of source.matchAll(LINE)) {
    const [, exportKw, name, rawValue] = m;
    const keyOffset = (m.index ?? 0) + m[0].indexOf(name);
    const line = source.slice(0, keyOffset).split('\n').length;
    if (exportKw && rawValue === undefined) {
      if (!hash.has(name)) {
        result.abort = { kind: 'format-error', line, name };
        result.values.clear(); // Kamal aborts: nothing is delivered
        return result;
      }
      continue;
    }
    const after = rawValue === undefined ? '' : m[0].slice(m[0].lastIndexOf(rawValue) + rawValue.length);
    const cutAtHash = after.startsWith('#') && !/\s$/.test(rawValue ?? '') && !QUOTED.test(rawValue?.trim() ?? '');
    const entry: Entry = {
      name,
      line,
      raw: rawValue?.trim() ?? null,
      cutAtHash,
      quote: '',
      exported: Boolean(exportKw),
      value: '',
      commands: [],
      variables: [],
    };
    const ctx: Ctx = { hash, env, exec, entry };
    const value = parseValue(rawValue ?? '', version, ctx);
    if (value === ABORT) {
      const notFound = entry.commands.find((c) => c.outcome.kind === 'not-found');
      result.abort = {
        kind: 'not-found',
        line,
        program: notFound?.outcome.kind === 'not-found' ? notFound.outcome.program : '',
      };
      result.values.clear(); // dotenv swallows the ENOENT and the whole file yields nothing
      return result;
    }
    entry.value = value.includes(UNKNOWN) ? null : value;
    hash.set(name, entry.value);
    entries.push(entry);
    result.values.set(name, entry);
  }
  return result;
}

const ABORT = Symbol('abort');

function parseValue(rawValue: string, version: DotenvVersion, ctx: Ctx): string | typeof ABORT {
  let value = rawValue.trim();
  const q = QUOTED.exec(value);
  if (q) {
    value = q[2];
    ctx.entry.quote = q[1] as "'" | '"';
  }
  if (ctx.entry.quote === "'") return value;
  if (ctx.entry.quote === '"') value = expandNewlines(value, ctx);
  value = value.replace(/\\([^$])/g, '$1');
  const steps =
    version === '3.1' ? [substituteVariables, substituteCommands] : [substituteCommands, substituteVariables];
  for (const step of steps) {
    const next = step(value, ctx, false);
    if (next === ABORT) return ABORT;
    value = next;
  }
  return value;
}

function expandNewlines(value: string, ctx: Ctx): string {
  const mode = ctx.hash.get('DOTENV_LINEBREAK_MODE') ?? ctx.env.DOTENV_LINEBREAK_MODE;
  // dotenv 3 keeps "\n" as backslash + n (its gsub writes "\\\\n", unescaped below to "\n").
  return mode === 'legacy'
    ? value.replace(/\\n/g, '\n').replace(/\\r/g, '\r')
    : value.replace(/\\n/g, '\\\\n').replace(/\\r/g, '\\\\r');
}

function substituteVariables(value: string, ctx: Ctx, inCommand: boolean): string {
  return value.replace(VARIABLE, (whole, backslash: string | undefined, _dollar: string, name: string | undefined) => {
    if (backslash) return whole.slice(1);
    if (!name) return whole;
    const fromFile = ctx.hash.get(name);
    if (ctx.hash.has(name)) {
      ctx.entry.variables.push({ name, source: 'file', inCommand });
      return fromFile ?? UNKNOWN;
    }
    const fromEnv = ctx.env[name];
    ctx.entry.variables.push({ name, source: fromEnv !== undefined ? 'env' : 'unset', inCommand });
    return fromEnv ?? '';
  });
}

/** Kamal's INTERPOLATED_SHELL_COMMAND: `\\.`, non-paren characters, or balanced groups. */
function matchCommand(s: string, open: number): number {
  let j = open + 1;
  let empty = true;
  while (j < s.length) {
    const c = s[j];
    if (c === '\\') {
      if (j + 1 >= s.length || s[j + 1] === '\n') return -1;
      j += 2;
    } else if (c === '(') {
      const end = matchCommand(s, j);
      if (end < 0) return -1;
      j = end;
    } else if (c === ')') {
      return empty ? -1 : j + 1;
    } else {
      j += 1;
    }
    empty = false;
  }
  return -1;
}

function substituteCommands(value: string, ctx: Ctx): string | typeof ABORT {
  let out = '';
  let i = 0;
  while (i < value.length) {
    const escaped = value[i] === '\\' && value[i + 1] === '$' && value[i + 2] === '(';
    const start = escaped ? i + 1 : i;
    if (value[start] === '$' && value[start + 1] === '(') {
      const end = matchCommand(value, start + 1);
      if (end > 0) {
        if (escaped) out += value.slice(start, end);
        else {
          const command = substituteVariables(value.slice(start + 2, end - 1), ctx, true);
          const outcome = command.includes(UNKNOWN)
            ? { kind: 'not-run' as const, reason: 'it uses a value that is not known without running commands' }
            : ctx.exec(command);
          ctx.entry.commands.push({ command: command.replaceAll(UNKNOWN, '…'), outcome });
          if (outcome.kind === 'not-found') return ABORT;
          out += outcome.kind === 'ran' ? chomp(outcome.stdout) : UNKNOWN;
        }
        i = end;
        continue;
      }
    }
    out += value[i];
    i += 1;
  }
  return out;
}

export const chomp = (s: string) => s.replace(/(\r\n|\n|\r)$/, '');

/** Ruby's Shellwords.escape, as `kamal secrets fetch --inline` uses it. */
export function shellEscape(s: string): string {
  if (s === '') return "''";
  return s.replace(/[^A-Za-z0-9_\-.,:+/@\n]/g, '\\$&').replace(/\n/g, "'\n'");
}

/** Ruby's Shellwords.split (shellsplit), enough for `kamal secrets extract NAME JSON`. */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  const re = /\s*(?:([^\s\\'"]+)|'([^']*)'|"((?:[^"\\]|\\.)*)"|(\\.?)|(\S))(\s|$)?/gs;
  for (const m of line.matchAll(re)) {
    const [, plain, single, double, esc, garbage, sep] = m;
    if (garbage !== undefined) throw new Error(`unmatched quote in ${line}`);
    word =
      (word ?? '') +
      (plain ??
        single ??
        (double !== undefined ? double.replace(/\\([$`"\\\n])/g, '$1') : esc !== undefined ? esc.slice(1) : ''));
    if (sep !== undefined) {
      words.push(word);
      word = null;
    }
  }
  if (word !== null) words.push(word);
  return words;
}
