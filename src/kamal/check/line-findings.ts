// What one parsed secrets file does wrong, line by line (reference §pitfalls). Each
// function below looks at one kind of trouble; check.ts runs them per file and version.
// A finding never holds a value, a file's content or the environment's: commands are
// shown as written in the file, and what a command said (its stderr, why it failed) only
// when the written command has no variable in it that could have put a value there.

import { formatRef } from '../../light/refs.js';
import type { Found } from '../../vault/secrets.js';
import {
  type Abort,
  type CommandEvent,
  type CommandOutcome,
  chomp,
  commandsIn,
  type DotenvVersion,
  type Entry,
  MAX_EXPANDED,
  type ParseResult,
} from '../dotenv-model.js';
import { closestName } from './suggest.js';

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
  /** every name the app knows (deploy.yml, its secrets files, the vault): what a typo is compared with */
  known: Set<string>;
}

export const ENV_MODE_FIX =
  'use env mode: NAME=$NAME in .kamal/secrets, and deploy with kamal-secret run -- kamal deploy';
const VAULT_FIX = 'store the value in the vault (kamal-secret set NAME) and write NAME=$NAME';
const IMPORT_FIX =
  'kamal-secret import .env, and once kamal-secret list shows the names, write NAME=$NAME and remove the plaintext file';

const error = (code: string, message: string, fix: string): Issue => ({ severity: 'error', code, message, fix });
const warning = (code: string, message: string, fix: string): Issue => ({ severity: 'warning', code, message, fix });

export function fileFindings(parsed: ParseResult, ctx: FileContext): Finding[] {
  const out = parsed.abort ? [abortFinding(parsed.abort, ctx.file)] : [];
  const intermediates = intermediateNames(parsed, ctx.needed);
  const earlier = new Set<string>();
  for (const e of parsed.entries) {
    const issues = [
      ...syntaxIssues(e),
      ...singleQuoteIssues(e, ctx, earlier),
      ...commandIssues(e, ctx),
      ...variableIssues(e, ctx),
      ...expansionIssues(e, ctx, intermediates),
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

/** The command as the file writes it, for a message. */
const shown = (written: string | null, viaVariable?: string) =>
  written !== null ? `$(${written})` : `the "$(…)" in the value of $${viaVariable ?? 'a variable'}`;

/** Whether what a command said may be repeated: its written text has no variable that could have put a value in it. */
const literalCommand = (written: string | null) => written !== null && !written.includes('$');

function abortFinding(abort: Abort, file: string): Finding {
  const at = { file, line: abort.line };
  if (abort.kind === 'not-found') {
    const through = abort.viaVariable ? `dotenv 3.1 runs ${shown(null, abort.viaVariable)} as a command, and ` : '';
    return {
      ...at,
      name: null,
      ...error(
        'command-not-found',
        `${through}${abort.program || 'the command'} is not on PATH and the command has no shell metacharacters: Ruby raises ENOENT and dotenv drops the whole file, so every secret in ${file} arrives missing`,
        abort.viaVariable
          ? `change the value of ${abort.viaVariable} so that it holds no "$(", or ${ENV_MODE_FIX}`
          : programFix(abort.program),
      ),
    };
  }
  if (abort.kind === 'format-error') {
    return {
      ...at,
      name: abort.name,
      ...error(
        'bare-export',
        `"export ${abort.name}" without a value, for a name not assigned earlier in the file, is a dotenv parse error: Kamal aborts with a Ruby backtrace`,
        `write ${abort.name}=$${abort.name} instead`,
      ),
    };
  }
  const why = literalCommand(abort.written) ? `: ${abort.reason}` : '';
  return {
    ...at,
    name: abort.name,
    ...error(
      'kamal-aborts',
      `${shown(abort.written)} fails inside Kamal${why}, so Kamal aborts and no secret is deployed at all`,
      `fix the command, or store the secrets in the vault and ${ENV_MODE_FIX}`,
    ),
  };
}

/** A misspelt kamal or kamal-secret is corrected; a program that is really missing is installed. */
function programFix(program: string): string {
  const meant = closestName(program, new Set(['kamal-secret', 'kamal']));
  return meant
    ? `did you mean ${meant}? correct the command`
    : `put ${program || 'the program'} on PATH wherever kamal runs (CI included), or ${ENV_MODE_FIX}`;
}

/**
 * Names only used inside later commands, like SECRETS in the fetch/extract pattern:
 * their alterations are reported on the lines that extract from them.
 */
export function intermediateNames(parsed: ParseResult, needed: Map<string, string>): Set<string> {
  return new Set(
    parsed.entries
      .filter((e) => e.raw?.includes('$('))
      .flatMap((e) => e.variables.filter((v) => v.source === 'file' && v.inCommand).map((v) => v.name))
      .filter((n) => !needed.has(n)),
  );
}

/** An escape the author did not mean: dotenv drops the backslash of `\X` unless X is `\`, `$` or a quote. */
function droppedBackslashes(e: Entry): string[] {
  const raw = e.raw ?? '';
  return [...raw.matchAll(/\\([\s\S])/g)]
    .map((m) => m[1])
    .filter((c) => !'\\$"\''.includes(c) && !(e.legacyLinebreaks && (c === 'n' || c === 'r')));
}

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
  // `NAME=$OTHER#note` or `NAME=$(cmd)#note` reads as a comment that lost its space; a literal cut at `#` is lost text.
  if (e.cutAtHash && !/(\)|\$\{?[A-Za-z0-9_]+\}?)$/.test(raw)) {
    issues.push(
      error(
        'unquoted-hash',
        `the unquoted value of ${e.name} is cut at "#": everything from "#" on is dropped`,
        `quote the value: NAME='…', or ${VAULT_FIX}`,
      ),
    );
  }
  const dropped = e.quote === "'" ? [] : droppedBackslashes(e);
  if (dropped.length) {
    const newline =
      e.quote === '"' && dropped.some((c) => c === 'n' || c === 'r')
        ? ' ("\\n" in double quotes stays backslash + n, not a newline, unless DOTENV_LINEBREAK_MODE=legacy)'
        : '';
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
 * Single quotes keep `$NAME` and `$(cmd)` as text. `$NAME` is judged a mistake only for
 * names the vault, the file or secrets-common provides (or the line's own name): a
 * quoted `'$abc'` may be a password that really starts with "$". A whole `$(…)` in
 * single quotes is a command the author meant to run.
 */
function singleQuoteIssues(e: Entry, { visible, commonNames }: FileContext, earlier: Set<string>): Issue[] {
  if (e.quote !== "'" || !e.value) return [];
  const issues: Issue[] = [];
  const command = commandsIn(e.value)[0];
  if (command !== undefined) {
    issues.push(
      error(
        'single-quoted-command',
        `single quotes keep $(${command}) as text: ${e.name} is deployed as the characters "$(${command})", not what the command prints`,
        'drop the single quotes, or use double quotes',
      ),
    );
  }
  const known = [...e.value.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)]
    .map((r) => r[1])
    .filter((n) => n === e.name || earlier.has(n) || commonNames.has(n) || visible?.has(n));
  if (known.length) {
    issues.push(
      error(
        'single-quoted-variable',
        `single quotes keep $${known[0]} as text: ${e.name} is deployed with the characters "$${known[0]}" in it, not the value of ${known[0]}`,
        'drop the single quotes, or use double quotes',
      ),
    );
  }
  return issues;
}

function commandIssues(e: Entry, ctx: FileContext): Issue[] {
  const issues: Issue[] = [];
  for (const event of e.commands) {
    const issue = commandIssue(e, event, ctx);
    if (issue) issues.push(issue);
    if (event.written && /\bcat\b[^|]*\.env\b|\bgrep\b.*\.env\b/.test(event.written)) {
      issues.push(warning('plaintext-env', `${e.name} is read from a plaintext .env file`, IMPORT_FIX));
    }
  }
  return issues;
}

function commandIssue(e: Entry, { written, viaVariable, outcome: o }: CommandEvent, ctx: FileContext): Issue | null {
  const command = shown(written, viaVariable);
  const literal = literalCommand(written);
  if (o.kind === 'not-run') {
    return e.raw?.includes('$(')
      ? warning(
          'command-not-run',
          `${command} was not run (${o.reason}): Kamal ignores its exit status, so if it fails ${e.name} is deployed empty`,
          'run kamal-secret check --exec to run it as Kamal would, or store the secret: kamal-secret set NAME',
        )
      : null;
  }
  if (o.kind !== 'ran') return null;
  const printed = chomp(o.stdout);
  if (o.status !== 0) {
    if (o.via === 'vault') return vaultCommandFailed(e, written, o, ctx);
    const said = literal && o.stderr ? ` (${o.stderr.trim().split('\n').join('; ')})` : '';
    return error(
      'command-failed',
      `${command} exits with status ${o.status}${said}: Kamal ignores it and deploys ${printed === '' ? `${e.name} empty` : 'whatever it printed'}`,
      `make the command succeed, or store the secret: kamal-secret set ${e.name}`,
    );
  }
  if (o.binary) {
    return error(
      'binary-secret',
      `${command} prints the binary data of ${o.binary} (bytes that are not UTF-8 text, or a NUL byte): Kamal deploys those bytes as ${e.name}, which an environment variable cannot carry`,
      binaryFix(o.binary),
    );
  }
  if (printed === '') {
    const said = literal && o.stderr ? ` (${o.stderr.trim().split('\n').join('; ')})` : '';
    return error(
      'command-empty',
      `${command} prints nothing${said}: ${e.name} is deployed empty`,
      `store the value: kamal-secret set ${e.name}`,
    );
  }
  if (o.altered && o.via === 'vault') {
    return error(
      'get-output',
      `${command} does not deliver the stored value of ${e.name}: ${o.altered}`,
      written?.includes('--json') ? 'drop --json' : 'drop -n, or store the value without its trailing line break',
    );
  }
  if (o.altered) {
    return error(
      'env-file-extract',
      `${command} delivers ${e.name} altered${literal ? `: ${o.altered}` : ''}`,
      IMPORT_FIX,
    );
  }
  return null;
}

/** `kamal-secret get`/`fetch` that finds nothing (a typo?) or refuses its arguments. */
function vaultCommandFailed(
  e: Entry,
  written: string | null,
  o: Extract<CommandOutcome, { kind: 'ran' }>,
  ctx: FileContext,
): Issue {
  const command = shown(written);
  const deployed = `Kamal ignores the exit status and deploys ${e.name} ${chomp(o.stdout) === '' ? 'empty' : 'as the error it printed'}`;
  if (o.missing && written !== null && writes(written, o.missing.name)) {
    const { name, chain } = o.missing;
    const searched = chain.map((scope) => formatRef({ scope, name }) + (scope ? '' : ' (global)')).join(', ');
    const typo = closestName(name, ctx.known);
    return error(
      'command-failed',
      `${command} finds no ${name} in the vault (searched ${searched}): ${deployed}`,
      typo
        ? `did you mean ${typo}? correct the name in ${ctx.file}`
        : `if ${name} is spelt right, add it: kamal-secret set ${formatRef({ scope: chain[0], name })}`,
    );
  }
  if (o.unreadable) {
    return error('command-failed', `${command} is refused: ${o.unreadable.why}: ${deployed}`, o.unreadable.fix);
  }
  if (o.binary) {
    return error(
      'command-failed',
      `${command} is refused: ${o.binary} holds binary data, which no JSON value can carry: ${deployed}`,
      binaryFix(o.binary),
    );
  }
  if (o.missing) {
    return error(
      'command-failed',
      `${command} finds no such secret in the vault: ${deployed}`,
      'check the name the command asks for, then add it with kamal-secret set',
    );
  }
  return error(
    'command-failed',
    `${command} is refused by kamal-secret (a usage error${literalCommand(written) && o.refused ? `: ${o.refused}` : ''}): ${deployed}`,
    'fix the arguments: kamal-secret get NAME [--scope APP[/DEST] | -d DEST | -g] (see kamal-secret get --help)',
  );
}

const binaryFix = (ref: string) =>
  `store it as text (base64 FILE | kamal-secret set ${ref}) and decode it where it is used`;

/** Whether the written command names `name` itself, so that showing it shows the author's text, not a value. */
/** Whether `command` names `name` as a whole word (no regex: a file may hold thousands of such lines). */
function writes(command: string, name: string): boolean {
  const wordChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  for (let at = command.indexOf(name); at >= 0; at = command.indexOf(name, at + 1)) {
    if (!wordChar(command[at - 1]) && !wordChar(command[at + name.length])) return true;
  }
  return false;
}

function variableIssues(e: Entry, ctx: FileContext): Issue[] {
  const { visible, commonNames, scopeLabel, known } = ctx;
  const issues: Issue[] = [];
  const reference = /^"?\$\{?([A-Za-z0-9_]+)\}?"?$/.exec(e.raw ?? '')?.[1];
  const seen = new Set<string>();
  for (const v of e.variables) {
    if (v.source !== 'unset' || seen.has(`${v.name}\0${v.inCommand}`)) continue;
    seen.add(`${v.name}\0${v.inCommand}`);
    if (commonNames.has(v.name)) {
      issues.push(
        error(
          'cross-file-reference',
          `$${v.name} refers to a name defined in .kamal/secrets-common, which this file cannot see: it falls back to the environment, where ${v.name} is not set, and ${e.name} is deployed empty`,
          `define ${e.name} in .kamal/secrets-common, or give ${v.name} a value in the vault`,
        ),
      );
      continue;
    }
    if (visible === null) {
      issues.push(
        warning(
          'unset-variable',
          `$${v.name} is not in the environment, and the vault could not be read to tell whether kamal-secret run provides it: if not, ${e.name} is deployed empty`,
          'unlock the vault (kamal-secret unlock) and check again',
        ),
      );
      continue;
    }
    const typo = closestName(v.name, known);
    const whole = reference === v.name;
    issues.push(
      error(
        'unset-variable',
        `$${v.name} is in neither the environment nor the vault (scope ${scopeLabel}), so ${e.name} is deployed ${v.inCommand ? 'with an empty argument in its command' : whole ? 'empty' : `without the text "$${v.name}"`}`,
        typo
          ? `did you mean ${typo}? correct $${v.name} in ${ctx.file}`
          : whole || v.inCommand
            ? `kamal-secret set ${v.name}, then deploy with kamal-secret run -- kamal deploy`
            : `if "$${v.name}" is part of the value, single-quote it (${e.name}='…'), or better, ${VAULT_FIX}`,
      ),
    );
  }
  return issues;
}

/**
 * Where dotenv expands a second time, so that the line delivers something other than
 * it says: on 3.2, variables in what a command printed; on 3.1, commands in a
 * variable's value (whether they succeed or fail).
 */
function expansionIssues(e: Entry, { version, file }: FileContext, intermediates: Set<string>): Issue[] {
  if (intermediates.has(e.name)) return [];
  const altered = e.value !== null && e.meant !== null && e.value !== e.meant;
  if (version === '3.1') {
    const via = e.commands.find((c) => c.viaVariable)?.viaVariable ?? e.variables.find((v) => v.holdsCommand)?.name;
    if (!altered && !e.commands.some((c) => c.viaVariable)) return [];
    const fromFile = e.variables.some((v) => v.name === via && v.source === 'file');
    return [
      error(
        'command-text-via-env',
        via
          ? `the value of ${via} holds "$(", which dotenv 3.1 runs as a command even through $${via}: ${e.name} arrives altered`
          : `dotenv 3.1 substitutes ${e.name}'s value a second time: it arrives altered`,
        !via
          ? VAULT_FIX
          : fromFile
            ? `change the line of ${file} that defines ${via} so that its value holds no "$("`
            : `change the value of ${via} so that it holds no "$(" (kamal-secret set ${via})`,
      ),
    ];
  }
  if (!altered) return [];
  return [
    e.commands.some((c) => c.outcome.kind === 'ran')
      ? error(
          'dollar-in-command',
          `what the command prints for ${e.name} contains "$" followed by a name, and dotenv 3.2 expands variables in a command's output: it arrives altered`,
          ENV_MODE_FIX,
        )
      : error(
          'dollar-in-command',
          `dotenv 3.2 expands the variables inside ${e.name}'s escaped \\$(…): it arrives altered`,
          `single-quote the value, or ${VAULT_FIX}`,
        ),
  ];
}

function valueIssues(e: Entry, file: string, intermediates: Set<string>): Issue[] {
  const issues: Issue[] = [];
  if (e.tooLarge) {
    issues.push(
      error(
        'value-too-large',
        `${e.name} expands to more than ${MAX_EXPANDED / 2 ** 20} MiB of text (its variables repeated over and over): no secret is that long, and Kamal would build and send all of it`,
        `write the value once, as ${e.name}=$${e.name} with the value in the vault`,
      ),
    );
  }
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
