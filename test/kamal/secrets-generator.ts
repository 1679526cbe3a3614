// A seeded generator of Kamal secrets files, built from what people write in them
// (reference/kamal-secrets.md): every quoting style, $NAME / ${NAME} / ${A:-x},
// $(…) with commands that print, fail, print nothing or are missing, `#`,
// backslashes, `export`, CRLF, blank and comment lines, `=` and `:`, multi-line
// values, and names that refer to earlier lines and to the environment. Used by the
// differential test, which compares check's model with real Kamal file by file.

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same files. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The environment Kamal runs with in the generated apps (besides PATH and HOME). */
export const GENERATED_ENV: Record<string, string> = {
  E_PLAIN: 'plain-value',
  E_DOLLAR: 'pa$word1',
  E_BRACED: 'x${E_PLAIN}y',
  E_CMD: 'x$(echo injected)y',
  E_ESCAPED_CMD: 'a\\$(echo hi)b',
  E_BACKSLASH: 'back\\slash\\n',
  E_EMPTY: '',
  E_SPACES: '  spaced  ',
  E_HASH: 'a#b',
  E_QUOTES: `it's "quoted"`,
  E_NEWLINE: 'line one\nline two',
  E_PAREN: 'a)b(c',
  E_MISSING_CMD: '$(no-such-program-xyz)',
  lower_env: 'lower-case',
  ſ: 'long-s', // Ruby's case-insensitive [A-Z] matches ſ (U+017F) and K (U+212A)
};

/** Files every generated app holds, for the commands that read files. */
export const GENERATED_APP_FILES: Record<string, string> = {
  'config/master.key': '0123456789abcdef\n',
  'data/plain.txt': 'from-a-file\n',
  'data/dollar.txt': 'pa$word1\n',
  'data/braced.txt': '${E_PLAIN}-and-$HOME\n',
  'data/two-lines.txt': 'first\nsecond\n',
  'data/cmd.txt': 'x$(echo from-file)y\n',
  'data/empty.txt': '',
  '.env':
    'REG=registry-password\nB64=YWJjZA==\nQUOTED="q-value"\nSPACED = spaced\nexport EXPORTED=exp\nDOLLAR=pa$word1\nPREFIX=one\nPREFIX_OLD=two\n',
};

type Pick = <T>(items: readonly T[]) => T;

const NAMES = ['A', 'B', 'C', 'DB_URL', 'KEY', 'RAILS_MASTER_KEY', 'SECRETS', 'X1', 'lower', 'DOT.NAME', '_U'];
const ENV_NAMES = [...Object.keys(GENERATED_ENV), 'HOME', 'UNSET_XYZ', 'KAMAL_DESTINATION', 'DOTENV_LINEBREAK_MODE'];

const COMMANDS = [
  // print
  'echo hello',
  'echo hello world',
  "printf '%s' 'a b'",
  "printf 'x\\ny'",
  'printf "trail\\n\\n"',
  "echo 'pa$word1'",
  'echo "$E_PLAIN"',
  'echo $HOME',
  'echo ${E_DOLLAR}',
  'echo $(echo nested)',
  'echo (paren)',
  'echo a\\)b',
  "echo 'a)b'",
  'printf %s "x#y"',
  'cat data/plain.txt',
  'cat data/dollar.txt',
  'cat data/braced.txt',
  'cat data/cmd.txt',
  'cat data/two-lines.txt',
  'cat config/master.key',
  'cat data/plain.txt data/dollar.txt',
  'head -n 1 data/two-lines.txt',
  "cat .env | grep REG | cut -d '=' -f 2",
  'grep B64 .env | cut -d= -f2',
  'grep ^PREFIX .env | cut -d = -f 2-',
  'cat .env | grep DOLLAR | cut -d "=" -f 2',
  'echo $KAMAL_DESTINATION',
  'printf \'%s\' "$E_NEWLINE"',
  'echo   spaced   words  ',
  'echo \\$HOME',
  "printf '\\044E_PLAIN'",
  // fail
  'false',
  "sh -c 'exit 3'",
  'printf partial; false',
  'cat data/missing.txt',
  'grep NOPE .env',
  // print nothing
  'true',
  "printf ''",
  ':',
  'cat data/empty.txt',
  // missing programs
  'no-such-program-xyz',
  'no-such-program-xyz arg',
  'no-such-program-xyz; echo after',
  '/no/such/dir/prog',
  // Kamal's own
  'kamal secrets fetch --adapter test --account acct --from V/I A B',
  'kamal secrets fetch -a test --account=acct A',
  'kamal secrets extract A {"A":"x"}',
  'kamal secrets extract A ${SECRETS}',
  'kamal secrets extract B $SECRETS',
];

const LITERALS = [
  'plain',
  'with space',
  'p@ss$!word',
  'a$',
  '$$',
  'p#q',
  'a\\b',
  'a\\\\b',
  'a\\nb',
  'a\\$b',
  "it's",
  'say "hi"',
  'ünïcødé ✓',
  'x=y=z',
  'tab\there',
  '',
  '   ',
  '${',
  '$}',
  '\\',
  '(',
  ')',
  'end\\',
  'a\\\nb',
  'ver\vtab\fform',
  "\\'",
  '\\"',
  "'",
  '"',
  '=',
  '$ſ$K',
  '${DOT.NAME}',
  '$lower_env',
];

/** One value's text as written after the `=`: a few parts, then maybe quoted. */
function valueText(pick: Pick, rnd: () => number, earlier: string[]): string {
  const part = (): string => {
    const r = rnd();
    const name = rnd() < 0.4 && earlier.length ? pick(earlier) : pick(ENV_NAMES);
    if (r < 0.3) return pick(LITERALS);
    if (r < 0.45) return `$${name}`;
    if (r < 0.55) return `\${${name}}`;
    if (r < 0.6) return pick([`\${${name}:-fallback}`, `\${${name}-x}`, `\${${name}`, `$${name}}`, `\\$${name}`]);
    if (r < 0.9) return `$(${pick(COMMANDS)})`;
    return pick(['\\$(echo escaped)', '$()', '$(echo $(echo deep))', '$(echo unclosed', '$((1+2))', '$(echo a#b)']);
  };
  const count = rnd() < 0.7 ? 1 : rnd() < 0.7 ? 2 : 3;
  let text = Array.from({ length: count }, part).join(rnd() < 0.7 ? '' : pick(['-', ' ', '/', ':']));
  const q = rnd();
  if (q < 0.2) text = `'${text}'`;
  else if (q < 0.45) text = `"${text.replace(/"/g, rnd() < 0.5 ? '\\"' : '"')}"`;
  else if (q < 0.48) text = `'${text}`;
  else if (q < 0.5) text = `"${text}`;
  else if (q < 0.53) text = `"line one\n${text}\nline three"`;
  else if (q < 0.55) text = `'multi\n${text}'`;
  return text;
}

function line(pick: Pick, rnd: () => number, earlier: string[]): string {
  const r = rnd();
  if (r < 0.06) return pick(['', '   ', '\t']);
  if (r < 0.1) return pick(['# a comment', '  # indented comment', '#A=commented-out', '#']);
  if (r < 0.12) return pick(['DOTENV_LINEBREAK_MODE=legacy', 'DOTENV_LINEBREAK_MODE="legacy"']);
  if (r < 0.14) return `export ${pick([...earlier, ...NAMES])}`;
  if (r < 0.15)
    return pick(['not a line', '=novalue', 'A B=1', ':colon', '123=digits', 'A\v=1', 'A\f:\f1', 'A=1\\', 'export']);
  const name = rnd() < 0.15 && earlier.length ? pick(earlier) : pick(NAMES);
  earlier.push(name);
  const exported = rnd() < 0.1 ? pick(['export ', 'export\t', 'export  ']) : '';
  const lead = rnd() < 0.1 ? pick([' ', '  ', '\t']) : '';
  const sep = rnd() < 0.8 ? pick(['=', '=', '=', ' = ', '= ', ' =', '=\t']) : pick([': ', ':\t', ':  ', ':']);
  if (rnd() < 0.05) return `${lead}${exported}${name}${sep}`;
  const comment = rnd() < 0.1 ? pick([' # note', '# note', '\t# note', '   ']) : '';
  const self = rnd() < 0.12 ? `$${name}` : null;
  return `${lead}${exported}${name}${sep}${self ?? valueText(pick, rnd, earlier)}${comment}`;
}

export interface GeneratedFile {
  text: string;
  /** also define KAMAL_DESTINATION's files: .kamal/secrets-common and .kamal/secrets.staging */
  common?: string;
  destination?: string;
  /** extra environment for this file */
  env: Record<string, string>;
}

/** The `index`-th file of the run seeded with `seed`. */
export function generateFile(seed: number, index: number): GeneratedFile {
  const rnd = random((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const pick: Pick = (items) => items[Math.floor(rnd() * items.length)];
  const earlier: string[] = [];
  const lines = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => line(pick, rnd, earlier));
  const eol = rnd() < 0.1 ? '\r\n' : rnd() < 0.02 ? '\r' : '\n';
  let text = lines.join(eol) + (rnd() < 0.8 ? eol : '');
  if (rnd() < 0.02) text = `\ufeff${text}`;
  const env: Record<string, string> = {};
  if (rnd() < 0.1) env.DOTENV_LINEBREAK_MODE = 'legacy';
  if (rnd() < 0.1) env[pick(NAMES)] = pick(Object.values(GENERATED_ENV));
  if (rnd() < 0.15) {
    const commonLines = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => line(pick, rnd, []));
    return { text, common: commonLines.join('\n'), destination: rnd() < 0.7 ? 'staging' : undefined, env };
  }
  return { text, env };
}
