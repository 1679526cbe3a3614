// How a `$(…)` command reaches the system when Kamal runs it with Ruby's backticks
// (process.c, rb_exec_fillarg): exec'd directly, split on spaces and tabs, unless it
// has a shell metacharacter, a `=` in its first word, or starts with a shell reserved
// word or special built-in; then through /bin/sh. For those, the words a plain /bin/sh
// command line of (quoted) words gives, so that `kamal-secret get 'NAME'` is still
// understood.

/** Ruby's list: any of these sends the command through /bin/sh. */
const SHELL_META = '*?{}[]<>()~&|\\$;\'`"\n#';
const SHELL_WORDS = new Set([
  '!',
  '.',
  ':',
  'break',
  'case',
  'continue',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'eval',
  'exec',
  'exit',
  'export',
  'fi',
  'for',
  'if',
  'in',
  'readonly',
  'return',
  'set',
  'shift',
  'then',
  'times',
  'trap',
  'unset',
  'until',
  'while',
]);

export type CommandLine =
  | { shell: false; words: string[] }
  | {
      shell: true;
      /** the words /bin/sh passes, with its leading NAME=value assignments; null when more than words are involved */
      simple: SimpleCommand | null;
    };

export interface SimpleCommand {
  assignments: Record<string, string>;
  words: string[];
}

export function commandLine(command: string): CommandLine {
  const text = command.includes('\0') ? command.slice(0, command.indexOf('\0')) : command;
  let firstStart = -1;
  let firstLength = 0;
  let meta = false;
  for (let i = 0; i < text.length && !meta; i++) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      if (firstStart >= 0 && !firstLength) firstLength = i - firstStart;
    } else if (firstStart < 0) firstStart = i;
    if (SHELL_META.includes(c)) meta = true;
    if (!firstLength) {
      if (c === '=') meta = true;
      else if (c === '/') firstLength = 0x100; // a path is never a shell word
    }
  }
  if (!meta && firstStart >= 0) {
    const word = text.slice(firstStart, firstStart + (firstLength || text.length - firstStart));
    if (SHELL_WORDS.has(word)) meta = true;
  }
  if (meta) return { shell: true, simple: simpleCommand(command) };
  return { shell: false, words: text.split(/[ \t]+/).filter((w) => w !== '') };
}

const NAME_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** Outside quotes, these make a command more than a list of words (operators, expansions, globs). */
const UNQUOTED_SPECIAL = '|&;<>()$`*?[';

/** A /bin/sh command made only of words, quoted or not, after optional NAME=value assignments; else null. */
export function simpleCommand(command: string): SimpleCommand | null {
  const tokens: { raw: string; word: string }[] = [];
  let raw = '';
  let word: string | null = null;
  const end = () => {
    if (word !== null) tokens.push({ raw, word });
    raw = '';
    word = null;
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === ' ' || c === '\t') {
      end();
      continue;
    }
    if (c === '\n' || UNQUOTED_SPECIAL.includes(c)) return null;
    if (word === null && (c === '#' || c === '~')) return null;
    const from = i;
    if (c === "'") {
      const close = command.indexOf("'", i + 1);
      if (close < 0) return null;
      word = (word ?? '') + command.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      let text = '';
      for (i += 1; i < command.length && command[i] !== '"'; i++) {
        const d = command[i];
        if (d === '$' || d === '`') return null;
        if (d === '\\' && '$`"\\\n'.includes(command[i + 1] ?? '')) {
          i += 1;
          if (command[i] !== '\n') text += command[i];
        } else text += d;
      }
      if (i >= command.length) return null;
      word = (word ?? '') + text;
    } else if (c === '\\') {
      if (i + 1 >= command.length) return null;
      i += 1;
      if (command[i] !== '\n') word = (word ?? '') + command[i];
    } else word = (word ?? '') + c;
    raw += command.slice(from, i + 1);
  }
  end();
  const assignments: Record<string, string> = {};
  let k = 0;
  for (; k < tokens.length && NAME_ASSIGNMENT.test(tokens[k].raw); k++) {
    const eq = tokens[k].word.indexOf('=');
    assignments[tokens[k].word.slice(0, eq)] = tokens[k].word.slice(eq + 1);
  }
  const words = tokens.slice(k).map((t) => t.word);
  if (words.length && (SHELL_WORDS.has(words[0]) || words[0] === '{' || words[0] === '}')) return null;
  return { assignments, words };
}
