// A model of how Kamal 2 parses one secrets file with the dotenv gem, exact enough to
// agree value by value with real Kamal on generated files (test/kamal/differential.test.ts).
// Sources: dotenv 3.1.8 / 3.2.0 lib/dotenv/parser.rb and substitutions/variable.rb,
// Kamal 2.12's secrets/dotenv/inline_command_substitution.rb (which replaces dotenv's
// command substitution), reference/kamal-secrets.md.
//
//   file  = UTF-8 with an optional BOM, "\r\n" and "\r" read as "\n"
//   lines = Parser::LINE, matched by a linear scanner (dotenv-lines.ts)
//   value = strip; remove surrounding quotes
//     '…'  literal
//     "…"  "\n" stays backslash + n (a newline when DOTENV_LINEBREAK_MODE=legacy)
//     not single-quoted: drop the backslash before anything but `$`, then
//       dotenv 3.1: variables, then commands;  dotenv 3.2: commands, then variables
//   variables: (\\)?(\$)(?!\()\{?([A-Z0-9_]+)?\}?, case-insensitive: an earlier line,
//     else the environment, else ""
//   commands: $( … ) with balanced parentheses; Kamal substitutes variables in the
//     command's text, then runs it (`kamal secrets …` inside Kamal); the output loses
//     one trailing newline.

import { own } from '../light/tables.js';
import { forEachLine } from './dotenv-lines.js';

export type DotenvVersion = '3.1' | '3.2';

export type CommandOutcome =
  | {
      kind: 'ran';
      stdout: string;
      status: number;
      via: 'vault' | 'shell' | 'exec' | 'kamal' | 'file';
      /** what a command evaluated without running it wrote on stderr */
      stderr?: string;
      /** why what it prints is not the value it was asked for (the .env grep | cut hack, get --json) */
      altered?: string;
      /** `kamal-secret get`/`fetch` found no such secret: the name and the scopes searched */
      missing?: { name: string; chain: string[] };
      /** `kamal-secret get`/`fetch` refused its arguments (a usage error): why */
      refused?: string;
      /** `kamal-secret get`/`fetch` found the secret in a team scope its reader cannot read: why, and the fix */
      unreadable?: { why: string; fix: string };
      /** `kamal-secret get`/`fetch` found binary data (not UTF-8 text, or a NUL byte): its reference */
      binary?: string;
    }
  /** Ruby raises ENOENT: dotenv swallows it and the whole file yields nothing */
  | { kind: 'not-found'; program: string }
  | { kind: 'not-run'; reason: string }
  /**
   * Kamal itself stops with an error (an inline `kamal secrets` that fails, an
   * adapter's CLI missing, EACCES); `quotes` are the parts of the reason taken from
   * the command's text, which may hold values once variables are substituted
   */
  | { kind: 'aborts'; reason: string; quotes?: string[] };

/** Runs (or resolves, or declines to run) one command as Kamal would. */
export type Executor = (command: string) => CommandOutcome;

export interface CommandEvent {
  /** the command as written in the file, for messages (never its text after substitution, which may hold values) */
  written: string | null;
  /** on dotenv 3.1, the variable whose value brought this `$(…)` into the line */
  viaVariable?: string;
  outcome: CommandOutcome;
}

export interface VariableEvent {
  name: string;
  /** where the value came from: an earlier line of this file, the environment, or nowhere */
  source: 'file' | 'env' | 'unset';
  inCommand: boolean;
  /** the value holds "$(" or "\\$(", which dotenv 3.1 substitutes once more when it arrives through $NAME */
  holdsCommand: boolean;
}

export interface Entry {
  name: string;
  line: number;
  /** the value text as written (quotes included, white space stripped), or null for `NAME=` / bare `export NAME` */
  raw: string | null;
  /** an unquoted value that a `#` right after it (no white space between) cut short */
  cutAtHash: boolean;
  quote: "'" | '"' | '';
  exported: boolean;
  /** the delivered value; null when a command's output is unknown (not run) */
  value: string | null;
  /**
   * the value with each `$NAME` and `$(…)` replaced once, by its value or output: what
   * the line means. It differs from `value` where dotenv expands a second time (3.2:
   * a `$` in a command's output; 3.1: a `$(…)` in a variable's value). Null when unknown.
   */
  meant: string | null;
  /** "\n" in double quotes became a newline (DOTENV_LINEBREAK_MODE=legacy) */
  legacyLinebreaks: boolean;
  commands: CommandEvent[];
  variables: VariableEvent[];
  /** substituting variables made the value longer than MAX_EXPANDED: it is not worked out (value and meant are null) */
  tooLarge?: true;
}

export type Abort =
  | { kind: 'not-found'; line: number; program: string; written: string | null; viaVariable?: string }
  | { kind: 'format-error'; line: number; name: string }
  | { kind: 'kamal-aborts'; line: number; name: string; written: string | null; reason: string };

export interface ParseResult {
  entries: Entry[];
  /** the merged result, last line winning, as Kamal sees it (empty when the file aborts) */
  values: Map<string, Entry>;
  /** set when dotenv stops: `not-found` empties this file; the others abort Kamal */
  abort?: Abort;
}

/** Stands for a command output that is not known (the command was not run). */
const UNKNOWN = '\u0000unknown\u0000';

/**
 * The longest value (in characters) worked out. A line repeating a long variable can
 * ask for gigabytes (`B=$A$A…` after a long A); dotenv would build it, but no secret is
 * that long, and check must finish on any file within a second.
 */
export const MAX_EXPANDED = 16 * 2 ** 20;

class TooLarge {}

/** An entry's events before it has any: most lines have none, and a file may have half a million lines. */
const NO_EVENTS: never[] = Object.freeze([]) as never[];

/** What a line without a value (`NAME=`, `NAME`) delivers. */
const NOTHING = { value: '', meant: '' };
const BOM = '\ufeff';

class Stop {
  constructor(
    readonly outcome: Extract<CommandOutcome, { kind: 'not-found' | 'aborts' }>,
    readonly event: Omit<CommandEvent, 'outcome'>,
  ) {}
}

export function parseSecretsFile(
  text: string,
  version: DotenvVersion,
  env: Record<string, string | undefined>,
  exec: Executor,
): ParseResult {
  const source = (text.startsWith(BOM) ? text.slice(1) : text).replace(/\r\n?/g, '\n');
  const hash = new Map<string, string | null>();
  const result: ParseResult = { entries: [], values: new Map() };
  forEachLine(source, (m) => {
    if (m.exported && m.value === undefined) {
      if (hash.has(m.key)) return true;
      result.abort = { kind: 'format-error', line: m.line, name: m.key };
      result.values.clear(); // Kamal aborts: nothing is delivered
      return false;
    }
    const raw = m.value === undefined ? null : rubyStrip(m.value);
    const entry: Entry = {
      name: m.key,
      line: m.line,
      raw,
      cutAtHash: m.cutAtHash,
      quote: '',
      exported: m.exported,
      value: '',
      meant: '',
      legacyLinebreaks: false,
      commands: NO_EVENTS,
      variables: NO_EVENTS,
    };
    try {
      const { value, meant } = raw ? parseValue(raw, version, { hash, env, exec, entry }) : NOTHING;
      entry.value = value.includes(UNKNOWN) ? null : value;
      entry.meant = meant.includes(UNKNOWN) ? null : meant;
    } catch (err) {
      if (err instanceof TooLarge) {
        entry.value = entry.meant = null;
        entry.tooLarge = true;
      } else if (err instanceof Stop) {
        const { outcome: o, event } = err;
        result.abort =
          o.kind === 'not-found'
            ? { kind: 'not-found', line: m.line, program: o.program, ...event }
            : { kind: 'kamal-aborts', line: m.line, name: m.key, written: event.written, reason: o.reason };
        result.values.clear(); // dotenv stops: the file yields nothing, or Kamal aborts
        return false;
      } else throw err;
    }
    hash.set(m.key, entry.value);
    result.entries.push(entry);
    result.values.set(m.key, entry);
    return true;
  });
  return result;
}

interface Ctx {
  hash: Map<string, string | null>;
  env: Record<string, string | undefined>;
  exec: Executor;
  entry: Entry;
  /** the entry's variables already recorded, by name and place (made on first use) */
  recorded?: Set<string>;
}

/** Ruby's String#strip: NUL and ASCII white space at both ends. */
export function rubyStrip(s: string): string {
  const space = (c: string) => c === ' ' || c === '\0' || (c >= '\t' && c <= '\r');
  let start = 0;
  let end = s.length;
  while (start < end && space(s[start])) start++;
  while (end > start && space(s[end - 1])) end--;
  return s.slice(start, end);
}

const QUOTED = /^(['"])([\s\S]*)\1$/;

function parseValue(raw: string, version: DotenvVersion, ctx: Ctx): { value: string; meant: string } {
  let value = raw;
  const q = QUOTED.exec(value);
  if (q) {
    value = q[2];
    ctx.entry.quote = q[1] as "'" | '"';
  }
  if (ctx.entry.quote === "'") return { value, meant: value };
  if (ctx.entry.quote === '"') value = expandNewlines(value, ctx);
  value = value.replace(/\\([^$])/g, '$1');
  if (!value.includes('$')) return { value, meant: value }; // nothing to substitute
  const matcher = new CommandMatcher(value);
  const written = findCommands(value, matcher);
  const writtenAt = new Map(written.map((w) => [w.start, w.text]));
  const writtenRanges = written.map((w): [number, number] => [w.start, w.end]);
  const insideWritten = (index: number) => within(writtenRanges, index);
  const outputs = new Map<string, CommandOutcome>();
  const run = (command: string, event: Omit<CommandEvent, 'outcome'>): string => {
    const outcome = command.includes(UNKNOWN)
      ? { kind: 'not-run' as const, reason: 'it uses a value that is not known without running commands' }
      : ctx.exec(command);
    if (ctx.entry.commands === NO_EVENTS) ctx.entry.commands = [];
    ctx.entry.commands.push({ ...event, outcome });
    if (outcome.kind === 'not-found' || outcome.kind === 'aborts') throw new Stop(outcome, event);
    outputs.set(command, outcome);
    return outputOf(outcome);
  };
  let delivered: string;
  if (version === '3.1') {
    // Variables first, over the whole value (commands included), then commands, whose
    // text Kamal substitutes once more: a `$(…)` in a variable's value runs too.
    const origins: Origins = { at: [], from: [] };
    const substituted = substituteVariables(value, ctx, (index) => ({ inCommand: insideWritten(index) }), origins);
    delivered = substituteCommands(substituted, new CommandMatcher(substituted), (command, start) => {
      const origin = originOf(origins, start);
      return run(substituteVariables(command, ctx, NOT_WRITTEN), {
        written: typeof origin === 'number' ? (writtenAt.get(origin) ?? null) : null,
        ...(typeof origin === 'string' ? { viaVariable: origin } : {}),
      });
    }).text;
  } else {
    // Commands first (each with its variables substituted), then variables over the
    // result: a `$NAME` that a command printed is expanded too.
    const withOutputs = substituteCommands(value, matcher, (command, start) =>
      run(substituteVariables(command, ctx, IN_COMMAND), { written: writtenAt.get(start) ?? null }),
    );
    const inOutput = (index: number) => within(withOutputs.outputs, index);
    delivered = substituteVariables(withOutputs.text, ctx, (index) => !inOutput(index) && { inCommand: false });
  }
  return { value: delivered, meant: substituteOnce(value, matcher, ctx, outputs) };
}

/** Whether `index` falls in one of the sorted, disjoint [from, to) ranges. */
function within(ranges: [number, number][], index: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] <= index) lo = mid + 1;
    else if (ranges[mid][0] > index) hi = mid - 1;
    else return true;
  }
  return false;
}

function outputOf(outcome: CommandOutcome): string {
  return outcome.kind === 'ran' ? chomp(outcome.stdout) : UNKNOWN;
}

function expandNewlines(value: string, ctx: Ctx): string {
  const mode = ctx.hash.has('DOTENV_LINEBREAK_MODE')
    ? ctx.hash.get('DOTENV_LINEBREAK_MODE')
    : ctx.env.DOTENV_LINEBREAK_MODE;
  if (mode === 'legacy') {
    ctx.entry.legacyLinebreaks = /\\[nr]/.test(value);
    return value.replaceAll('\\n', '\n').replaceAll('\\r', '\r');
  }
  // dotenv 3 writes "\\\n" for each "\n", which the unescaping below turns back into "\n".
  return value.replaceAll('\\n', '\\\\n').replaceAll('\\r', '\\\\r');
}

/** dotenv's VARIABLE pattern. Ruby's case-insensitive [A-Z] also takes ſ (U+017F) and K (U+212A). */
const VARIABLE = /(\\)?(\$)(?!\()\{?([A-Za-z0-9_\u017F\u212A]+)?\}?/g;

/** Stretches of a substituted text (where each starts) and where each came from: an index in the input, or the variable whose value it is. */
interface Origins {
  at: number[];
  from: (number | string)[];
}

/** Which substitutions the author wrote (recorded as VariableEvents), and whether inside a command. */
type Recording = (index: number) => false | { inCommand: boolean };
const NOT_WRITTEN: Recording = () => false;
const IN_COMMAND: Recording = () => ({ inCommand: true });

/**
 * Variable.call: each `$NAME` by its value, once. With `origins`, also records where
 * each stretch of the result came from (see originOf).
 */
function substituteVariables(value: string, ctx: Ctx, recording: Recording, origins?: Origins): string {
  const parts: string[] = [];
  let length = 0;
  let last = 0;
  const add = (text: string, from: number | string) => {
    if (text === '') return; // a stretch of nothing has no origin to look up
    if (length + text.length > MAX_EXPANDED) throw new TooLarge();
    origins?.at.push(length);
    origins?.from.push(from);
    parts.push(text);
    length += text.length;
  };
  for (const m of value.matchAll(VARIABLE)) {
    if (!m[1] && !m[3]) continue; // `$`, `${` or `$}` with no name stays as it is
    const index = m.index ?? 0;
    add(value.slice(last, index), last);
    last = index + m[0].length;
    const replacement = replaceVariable(m[0], m[1], m[3], ctx, m[3] && !m[1] ? recording(index) : false);
    add(replacement, m[3] && !m[1] ? m[3] : index + (m[1] ? 1 : 0));
  }
  add(value.slice(last), last);
  return parts.join('');
}

/** One VARIABLE match: `\$X` loses its backslash, `$` with no name stays, `$NAME` becomes its value. */
function replaceVariable(
  whole: string,
  backslash: string | undefined,
  name: string | undefined,
  ctx: Ctx,
  recorded: false | { inCommand: boolean },
): string {
  if (backslash) return whole.slice(1);
  return name ? lookup(name, ctx, recorded) : whole;
}

/** Where the character at `index` of a substituted text came from. */
function originOf({ at, from }: Origins, index: number): number | string {
  let lo = 0;
  for (let hi = at.length - 1; lo < hi; ) {
    const mid = (lo + hi + 1) >> 1;
    if (at[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  const origin = from[lo];
  return typeof origin === 'number' ? origin + (index - at[lo]) : origin;
}

function lookup(name: string, ctx: Ctx, recorded: false | { inCommand: boolean }): string {
  const inFile = ctx.hash.has(name);
  const inherited = own(ctx.env, name);
  const value = inFile ? (ctx.hash.get(name) ?? UNKNOWN) : (inherited ?? '');
  if (recorded) {
    const source = inFile ? 'file' : inherited !== undefined ? 'env' : 'unset';
    // once per name and place: a value may repeat one variable many times
    const key = `${name}\0${recorded.inCommand}`;
    ctx.recorded ??= new Set();
    if (!ctx.recorded.has(key)) {
      ctx.recorded.add(key);
      if (ctx.entry.variables === NO_EVENTS) ctx.entry.variables = [];
      ctx.entry.variables.push({ name, source, inCommand: recorded.inCommand, holdsCommand: value.includes('$(') });
    }
  }
  return value;
}

interface WrittenCommand {
  /** index of the `$` */
  start: number;
  end: number;
  text: string;
}

/**
 * Kamal's INTERPOLATED_SHELL_COMMAND, (\\)?\$(\((?:\\.|[^()\\]|\g<cmd>)+\)), matched
 * left to right without recursion: each `(` is matched once and remembered, so even
 * thousands of unclosed `$(` take linear time (Ruby's recursion is not needed to be exact:
 * the pattern has one way to match at each position).
 */
class CommandMatcher {
  /** per `(`: 0 not matched yet, -1 no group, else the index after its `)` */
  private readonly ends: Int32Array;
  constructor(private readonly s: string) {
    this.ends = new Int32Array(s.length);
  }

  /** The index after the `)` closing the group opened at `open`, or -1. */
  groupEnd(open: number): number {
    const { s, ends } = this;
    if (ends[open] !== 0) return ends[open];
    const stack = [open];
    let j = open + 1;
    let empty = true;
    while (stack.length) {
      const c = s[j];
      if (j >= s.length || (c === '\\' && (j + 1 >= s.length || s[j + 1] === '\n'))) break;
      if (c === '\\') j += 2;
      else if (c === '(') {
        if (ends[j] === 0) {
          stack.push(j);
          j += 1;
          empty = true;
          continue;
        }
        if (ends[j] < 0) break;
        j = ends[j];
      } else if (c === ')') {
        if (empty) break;
        ends[stack.pop()!] = j + 1;
        j += 1;
      } else j += 1;
      empty = false;
    }
    // A group still open failed, and so did every group around it.
    for (const o of stack) ends[o] = -1;
    return ends[open];
  }

  /** A command at `i`: `$(…)` or, escaped, `\$(…)`; null when none starts there. */
  at(i: number): { escaped: boolean; start: number; end: number } | null {
    const s = this.s;
    const escaped = s[i] === '\\';
    const dollar = escaped ? i + 1 : i;
    if (s[dollar] !== '$' || s[dollar + 1] !== '(') return null;
    const end = this.groupEnd(dollar + 1);
    return end < 0 ? null : { escaped, start: dollar, end };
  }
}

/** The text of each `$(…)` command in a value's text, as written. */
export const commandsIn = (value: string): string[] => findCommands(value).map((w) => w.text);

/** The `$(…)` commands of a value's text, where they start and end. */
function findCommands(value: string, matcher = new CommandMatcher(value)): WrittenCommand[] {
  const out: WrittenCommand[] = [];
  for (let i = 0; i < value.length; ) {
    const m = matcher.at(i);
    if (!m) {
      i += 1;
      continue;
    }
    if (!m.escaped) out.push({ start: m.start, end: m.end, text: value.slice(m.start + 2, m.end - 1) });
    i = m.end;
  }
  return out;
}

/**
 * The command substitution step: each `$(…)` by what `run` returns; `\$(…)` loses its
 * backslash. Also says where the outputs landed in the result.
 */
function substituteCommands(
  value: string,
  matcher: CommandMatcher,
  run: (command: string, start: number) => string,
): { text: string; outputs: [number, number][] } {
  const outputs: [number, number][] = [];
  let text = '';
  let last = 0;
  for (let i = 0; i < value.length; ) {
    const m = matcher.at(i);
    if (!m) {
      i += 1;
      continue;
    }
    text += value.slice(last, i);
    if (m.escaped) text += value.slice(m.start, m.end);
    else {
      const output = run(value.slice(m.start + 2, m.end - 1), m.start);
      outputs.push([text.length, text.length + output.length]);
      text += output;
    }
    i = last = m.end;
  }
  return { text: text + value.slice(last), outputs };
}

/**
 * What the line means: one left-to-right pass in which each `$(…)` becomes the output
 * its command gave (looked up, never run again) and each `$NAME` its value, with no
 * second expansion of either.
 */
function substituteOnce(
  value: string,
  matcher: CommandMatcher,
  ctx: Ctx,
  outputs: Map<string, CommandOutcome>,
): string {
  const parts: string[] = [];
  let length = 0;
  let last = 0;
  for (let i = 0; i < value.length; ) {
    const c = value[i];
    if (c !== '$' && c !== '\\') {
      i += 1;
      continue;
    }
    const m = matcher.at(i);
    let replacement: string | null = null;
    let end = i;
    if (m) {
      const outcome = m.escaped
        ? null
        : outputs.get(substituteVariables(value.slice(m.start + 2, m.end - 1), ctx, NOT_WRITTEN));
      replacement = m.escaped ? value.slice(m.start, m.end) : outcome ? outputOf(outcome) : UNKNOWN;
      end = m.end;
    } else {
      VARIABLE_AT.lastIndex = i;
      const v = VARIABLE_AT.exec(value);
      if (v && (v[1] || v[3])) {
        replacement = replaceVariable(v[0], v[1], v[3], ctx, false);
        end = i + v[0].length;
      }
    }
    if (replacement === null) {
      i += 1;
      continue;
    }
    length += i - last + replacement.length;
    if (length > MAX_EXPANDED) throw new TooLarge();
    parts.push(value.slice(last, i), replacement);
    i = last = end;
  }
  parts.push(value.slice(last));
  return parts.join('');
}

const VARIABLE_AT = new RegExp(VARIABLE.source, 'y');

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
