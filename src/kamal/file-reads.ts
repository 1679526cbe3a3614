// Commands that only read files, which `check` evaluates itself instead of running:
// `cat FILE…` (Rails' own `RAILS_MASTER_KEY=$(cat config/master.key)`) and the
// plaintext hack `cat .env | grep NAME | cut -d '=' -f 2`, in the forms people write
// it. Anything outside this small, exactly modelled subset returns null and is left to
// the executor's usual rules.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chomp, shellSplit } from './dotenv-model.js';

export interface FileReadOutcome {
  stdout: string;
  status: number;
  /** what the stages wrote on stderr, e.g. `cat: config/master.key: No such file or directory` */
  stderr: string;
  /** for the .env hack: why the output is not the value the file gives the name it greps for */
  altered?: string;
}

interface Stream {
  text: string;
  status: number;
  stderr: string;
}

/** A literal basic-regex pattern, optionally anchored: how the hack names its variable. */
const LITERAL_PATTERN = /^\^?[A-Za-z0-9_=]+$/;

export function evaluateFileRead(command: string, cwd: string): FileReadOutcome | null {
  if (/[;&<>`$()]|\|\|/.test(command)) return null;
  let stages: string[][];
  try {
    stages = command.split('|').map((s) => shellSplit(s.trim()));
  } catch {
    return null;
  }
  let stream: Stream | null = null;
  let grepped: { pattern: string; matches: number } | null = null;
  let delimiter: string | undefined;
  let source: string | undefined;
  for (const [program, ...args] of stages) {
    if (program === 'cat' && !stream && args.length && args.every((a) => !a.startsWith('-'))) {
      stream = cat(args, cwd);
      if (args.length === 1) source = args[0];
    } else if (program === 'grep' && (args.length === 1 ? stream : args.length === 2 && !stream) && LITERAL_PATTERN.test(args[0])) {
      const input = args.length === 2 ? cat([args[1]], cwd, 'grep') : stream!;
      if (args.length === 2) source = args[1];
      stream = grep(args[0], input);
      grepped = { pattern: args[0], matches: lines(stream.text).length };
    } else if (program === 'cut' && stream) {
      const spec = cutSpec(args);
      if (!spec) return null;
      delimiter = spec.delimiter;
      stream = cut(spec.delimiter, spec.fields, stream);
    } else if (program === 'head' && stream) {
      const n = headCount(args);
      if (n === null) return null;
      stream = { text: lines(stream.text).slice(0, n).map((l) => `${l}\n`).join(''), status: 0, stderr: stream.stderr };
    } else {
      return null;
    }
  }
  if (!stream) return null;
  const outcome: FileReadOutcome = { stdout: stream.text, status: stream.status, stderr: stream.stderr };
  if (grepped && source) {
    const name = grepped.pattern.replace(/^\^/, '').replace(/=$/, '');
    const meant = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? dotenvValue(path.resolve(cwd, source), name) : undefined;
    const delivered = chomp(stream.text);
    if (meant !== undefined && delivered !== '' && delivered !== meant) {
      outcome.altered = grepped.matches > 1 ? `grep ${grepped.pattern} matches ${grepped.matches} lines of ${source}, so several values arrive joined by newlines`
        : delimiter && meant.includes(delimiter) && meant.startsWith(delivered) ? `the value holds "${delimiter}", and cut keeps only the text before it`
        : /^(["']).*\1$/s.test(delivered) ? `cut keeps the quotes that ${source} puts around the value`
        : `it is not the value ${source} gives ${name} (dotenv drops quotes, "export", comments and escapes; grep and cut do not)`;
    }
  }
  return outcome;
}

function cat(files: string[], cwd: string, program = 'cat'): Stream {
  let text = '';
  let stderr = '';
  let status = 0;
  for (const file of files) {
    try {
      text += fs.readFileSync(path.resolve(cwd, file), 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'Is a directory' : 'Permission denied';
      stderr += `${program}: ${file}: ${why}\n`;
      status = program === 'grep' ? 2 : 1;
    }
  }
  return { text, status, stderr };
}

function grep(pattern: string, input: Stream): Stream {
  const anchored = pattern.startsWith('^');
  const literal = anchored ? pattern.slice(1) : pattern;
  const matched = lines(input.text).filter((l) => (anchored ? l.startsWith(literal) : l.includes(literal)));
  return { text: matched.map((l) => `${l}\n`).join(''), status: input.status === 2 ? 2 : matched.length ? 0 : 1, stderr: input.stderr };
}

function cut(delimiter: string, fields: (n: number) => boolean, input: Stream): Stream {
  const out = lines(input.text).map((l) => (l.includes(delimiter) ? l.split(delimiter).filter((_, i) => fields(i + 1)).join(delimiter) : l));
  return { text: out.map((l) => `${l}\n`).join(''), status: 0, stderr: input.stderr };
}

/** `-d X -f SPEC` in its spellings (-dX, -d X, --delimiter=X; -fN, -f N, --fields=N); SPEC is N, N-, N-M or -M. */
function cutSpec(args: string[]): { delimiter: string; fields: (n: number) => boolean } | null {
  let delimiter: string | undefined;
  let spec: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-d' || a === '-f') {
      if (a === '-d') delimiter = args[++i];
      else spec = args[++i];
    } else if (a.startsWith('--delimiter=')) delimiter = a.slice(12);
    else if (a.startsWith('--fields=')) spec = a.slice(9);
    else if (a.startsWith('-d')) delimiter = a.slice(2);
    else if (a.startsWith('-f')) spec = a.slice(2);
    else return null;
  }
  const range = spec === undefined ? null : /^(\d*)(-?)(\d*)$/.exec(spec);
  if (delimiter === undefined || [...delimiter].length !== 1 || !range || (!range[1] && !range[3])) return null;
  const from = range[1] ? Number(range[1]) : 1;
  const to = range[2] ? (range[3] ? Number(range[3]) : Infinity) : from;
  return { delimiter, fields: (n) => n >= from && n <= to };
}

/** `head -n N`, `head -nN`, `head -N`; null for anything else. */
function headCount(args: string[]): number | null {
  const text = args.length === 2 && args[0] === '-n' ? args[1] : args.length === 1 && args[0].startsWith('-') ? args[0].replace(/^-n?/, '') : null;
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

const lines = (text: string): string[] => {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
};

/** The value dotenv gives `name` in `file`, or undefined when the file cannot be read or lacks it. */
function dotenvValue(file: string, name: string): string | undefined {
  try {
    const { parse } = createRequire(import.meta.url)('dotenv') as typeof import('dotenv');
    return parse(fs.readFileSync(file))[name];
  } catch {
    return undefined;
  }
}
