// Commands that only read files, which `check` evaluates itself instead of running:
// `cat FILE…` (Rails' own `RAILS_MASTER_KEY=$(cat config/master.key)`) and the
// plaintext hack `cat .env | grep NAME | cut -d '=' -f 2`, in the forms people write
// it. Anything outside this small, exactly modelled subset returns null and is left to
// the executor's usual rules.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chomp, shellSplit } from '../dotenv-model.js';

export interface FileReadOutcome {
  stdout: string;
  status: number;
  /** what the stages wrote on stderr, e.g. `cat: config/master.key: No such file or directory` */
  stderr: string;
  /** for the .env hack: why the output is not the value the file gives the name it greps for */
  altered?: string;
  /** with `altered`: the value the file gives that name */
  intended?: string;
}

interface Stream {
  text: string;
  status: number;
  stderr: string;
}

/** A literal basic-regex pattern, optionally anchored: how the hack names its variable. */
const LITERAL_PATTERN = /^\^?[A-Za-z0-9_=]+$/;
/** Larger files, anything but regular files (/dev/urandom) and files outside the app are left to --exec. */
const MAX_FILE_BYTES = 1 << 20;

type Stage =
  | { program: 'cat'; files: string[] }
  | { program: 'grep'; pattern: string; file?: string }
  | { program: 'cut'; delimiter: string; fields: (n: number) => boolean }
  | { program: 'head'; count: number };

export function evaluateFileRead(command: string, cwd: string): FileReadOutcome | null {
  const stages = parsePipeline(command);
  const files = stages && readFiles(stages, cwd);
  if (!stages || !files) return null;
  let stream: Stream = { text: '', status: 0, stderr: '' };
  for (const stage of stages) {
    if (stage.program === 'cat') stream = cat(stage.files, files);
    else if (stage.program === 'grep')
      stream = grep(stage.pattern, stage.file === undefined ? stream : cat([stage.file], files, 'grep'));
    else if (stage.program === 'cut') stream = cut(stage.delimiter, stage.fields, stream);
    else stream = { ...stream, text: unlines(lines(stream.text).slice(0, stage.count)), status: 0 };
  }
  const outcome: FileReadOutcome = { stdout: stream.text, status: stream.status, stderr: stream.stderr };
  const altered = alteration(chomp(stream.text), stages, files);
  if (altered) Object.assign(outcome, altered);
  return outcome;
}

/** `cat F… | grep P | cut …`, `grep P F | cut …`, with `head -n N` anywhere after the first stage; null for anything else. */
function parsePipeline(command: string): Stage[] | null {
  if (/[;&<>`$()]|\|\|/.test(command)) return null;
  let words: string[][];
  try {
    words = command.split('|').map((s) => shellSplit(s.trim()));
  } catch {
    return null;
  }
  const stages: Stage[] = [];
  for (const [i, [program, ...args]] of words.entries()) {
    const first = i === 0;
    if (program === 'cat' && first && args.length && args.every((a) => !a.startsWith('-')))
      stages.push({ program, files: args });
    else if (program === 'grep' && args.length === (first ? 2 : 1) && LITERAL_PATTERN.test(args[0]))
      stages.push({ program, pattern: args[0], file: args[1] });
    else if (program === 'cut' && !first) {
      const spec = cutSpec(args);
      if (!spec) return null;
      stages.push({ program, ...spec });
    } else if (program === 'head' && !first) {
      const count = headCount(args);
      if (count === null) return null;
      stages.push({ program, count });
    } else return null;
  }
  return stages;
}

/** A file's text, or why it could not be read (cat and grep report that). */
type FileText = { text: string } | { why: string };

/** Every file the stages name, read once; null when one is not a small regular file inside the app. */
function readFiles(stages: Stage[], cwd: string): Map<string, FileText> | null {
  const files = new Map<string, FileText>();
  const root = fs.realpathSync(cwd);
  for (const stage of stages) {
    for (const file of stage.program === 'cat'
      ? stage.files
      : stage.program === 'grep' && stage.file !== undefined
        ? [stage.file]
        : []) {
      const text = readInside(root, file);
      if (text === null) return null;
      files.set(file, text);
    }
  }
  return files;
}

/**
 * A regular file of at most MAX_FILE_BYTES inside the app, symlinks resolved first,
 * opened without blocking (a FIFO, a device) and checked again once open; null for
 * anything else, which check never reads (/proc, /dev, other people's files).
 */
export function readInside(root: string, file: string): FileText | null {
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(root, file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A path that does not exist inside the app is what `cat` reports; elsewhere it is none of check's business.
    if (code === 'ENOENT' && isInside(root, path.resolve(root, file))) return { why: 'No such file or directory' };
    return code === 'EACCES' && isInside(root, path.resolve(root, file)) ? { why: 'Permission denied' } : null;
  }
  if (!isInside(root, real) || SYSTEM_TREES.some((tree) => isInside(tree, real))) return null;
  let fd: number;
  try {
    fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES' ? { why: 'Permission denied' } : null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
    return { text: fs.readFileSync(fd, 'utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

/** Kernel and device trees, never read even if an app lived above them: their "files" hold process state. */
const SYSTEM_TREES = ['/proc', '/dev', '/sys'];

const isInside = (root: string, file: string) =>
  file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/**
 * For the .env hack (`grep NAME FILE`, or `cat FILE | grep NAME`): why what arrives is
 * not the value dotenv reads for NAME from FILE; undefined when it is, or for anything else.
 */
function alteration(
  delivered: string,
  stages: Stage[],
  files: Map<string, FileText>,
): { altered: string; intended: string } | undefined {
  const grepped = stages.find((s): s is Extract<Stage, { program: 'grep' }> => s.program === 'grep');
  if (!grepped) return undefined;
  const first = stages[0];
  const source = grepped.file ?? (first.program === 'cat' && first.files.length === 1 ? first.files[0] : undefined);
  const file = source === undefined ? undefined : files.get(source);
  const name = grepped.pattern.replace(/^\^/, '').replace(/=$/, '');
  const meant =
    file && 'text' in file && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? dotenvValue(file.text, name) : undefined;
  if (meant === undefined || delivered === '' || delivered === meant) return undefined;
  const because = (altered: string) => ({ altered, intended: meant });
  const delimiter = stages.find((s): s is Extract<Stage, { program: 'cut' }> => s.program === 'cut')?.delimiter;
  const count = delivered.split('\n').length;
  if (count > 1)
    return because(`grep ${grepped.pattern} matches ${count} lines of ${source}, and they arrive joined by newlines`);
  if (delimiter && meant.includes(delimiter) && meant.startsWith(delivered))
    return because(`the value holds "${delimiter}", and cut keeps only the text before it`);
  if (/^(["']).*\1$/s.test(delivered)) return because(`cut keeps the quotes that ${source} puts around the value`);
  if (delivered.trim() === meant) return because(`cut keeps the white space around the value`);
  if (delivered.startsWith(meant) && /^\s*#/.test(delivered.slice(meant.length)))
    return because(`cut keeps the comment after the value`);
  return because(
    `it is not the value ${source} gives ${name} (dotenv drops quotes, "export", comments and escapes; grep and cut do not)`,
  );
}

function cat(names: string[], files: Map<string, FileText>, program = 'cat'): Stream {
  let text = '';
  let stderr = '';
  let status = 0;
  for (const name of names) {
    const file = files.get(name)!;
    if ('text' in file) text += file.text;
    else {
      stderr += `${program}: ${name}: ${file.why}\n`;
      status = program === 'grep' ? 2 : 1;
    }
  }
  return { text, status, stderr };
}

function grep(pattern: string, input: Stream): Stream {
  const anchored = pattern.startsWith('^');
  const literal = anchored ? pattern.slice(1) : pattern;
  const matched = lines(input.text).filter((l) => (anchored ? l.startsWith(literal) : l.includes(literal)));
  return { text: unlines(matched), status: input.status === 2 ? 2 : matched.length ? 0 : 1, stderr: input.stderr };
}

function cut(delimiter: string, fields: (n: number) => boolean, input: Stream): Stream {
  const out = lines(input.text).map((l) =>
    l.includes(delimiter)
      ? l
          .split(delimiter)
          .filter((_, i) => fields(i + 1))
          .join(delimiter)
      : l,
  );
  return { text: unlines(out), status: 0, stderr: input.stderr };
}

/** `-d X -f SPEC` in its spellings (-dX, -d X, --delimiter=X; -fN, -f N, --fields=N); SPEC is N, N-, N-M or -M. */
function cutSpec(args: string[]): { delimiter: string; fields: (n: number) => boolean } | null {
  let delimiter: string | undefined;
  let spec: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-d') delimiter = args[++i];
    else if (a === '-f') spec = args[++i];
    else if (a.startsWith('--delimiter=')) delimiter = a.slice(12);
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
  const text =
    args.length === 2 && args[0] === '-n'
      ? args[1]
      : args.length === 1 && args[0].startsWith('-')
        ? args[0].replace(/^-n?/, '')
        : null;
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

const unlines = (ls: string[]): string => ls.map((l) => `${l}\n`).join('');

const lines = (text: string): string[] => {
  const all = text.split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
};

/** The value dotenv gives `name` in a file's text, or undefined when it has none. */
function dotenvValue(text: string, name: string): string | undefined {
  const { parse } = createRequire(import.meta.url)('dotenv') as typeof import('dotenv');
  return parse(text)[name];
}
