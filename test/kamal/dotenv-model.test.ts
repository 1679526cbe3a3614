// The model of Kamal's .kamal/secrets parsing against cases from reference/kamal-secrets.md.
import { describe, expect, it } from 'vitest';
import {
  type CommandOutcome,
  type DotenvVersion,
  parseSecretsFile,
  shellEscape,
  shellSplit,
} from '../../src/kamal/dotenv-model.js';

// A tiny stand-in for /bin/sh: echo, printf '%s', false, cat of nothing. Enough for the table.
function fakeShell(command: string): CommandOutcome {
  const echo = /^echo (.*)$/s.exec(command);
  if (echo) return { kind: 'ran', via: 'shell', stdout: `${echo[1].replace(/'([^']*)'/g, '$1')}\n`, status: 0 };
  const printf = /^printf '([^']*)'$/.exec(command);
  if (printf) return { kind: 'ran', via: 'shell', stdout: printf[1], status: 0 };
  if (command === 'false') return { kind: 'ran', via: 'exec', stdout: '', status: 1 };
  if (command.startsWith('missing-prog')) return { kind: 'not-found', program: 'missing-prog' };
  if (command === 'secret-with-dollar') return { kind: 'ran', via: 'exec', stdout: 'pa$word1\n', status: 0 };
  if (command === 'secret-with-home') return { kind: 'ran', via: 'exec', stdout: '${HOME}x\n', status: 0 };
  return { kind: 'not-run', reason: 'unknown' };
}

const env = { HOME: '/root', A_ENV: 'from-env', INJECT: 'x$(echo injected)y', WORDY: 'pa$word1', ſ: 'long-s' };

function values(text: string, version: DotenvVersion): Record<string, string | null> | string {
  const r = parseSecretsFile(text, version, env, fakeShell);
  if (r.abort) return `abort:${r.abort.kind}:${r.abort.line}`;
  return Object.fromEntries([...r.values].map(([k, e]) => [k, e.value]));
}

// [file text, dotenv 3.1 result, dotenv 3.2 result]
const table: [string, unknown, unknown][] = [
  ['A=$(echo hello)\nB=${A:-x}', { A: 'hello', B: 'hello:-x}' }, { A: 'hello', B: 'hello:-x}' }],
  ['B=${UNSET_NAME:-x}', { B: ':-x}' }, { B: ':-x}' }],
  ['C=$(false)', { C: '' }, { C: '' }],
  ["S='literal $HOME $(echo no)'", { S: 'literal $HOME $(echo no)' }, { S: 'literal $HOME $(echo no)' }],
  ['D="keeps # hash and $HOME"', { D: 'keeps # hash and /root' }, { D: 'keeps # hash and /root' }],
  ['J=$(echo a#b)', { J: '$(echo a' }, { J: '$(echo a' }],
  ['N=#x', { N: '' }, { N: '' }],
  ['K: colon-value', { K: 'colon-value' }, { K: 'colon-value' }],
  ['export E=exported', { E: 'exported' }, { E: 'exported' }],
  ['export NEVER', 'abort:format-error:1', 'abort:format-error:1'],
  ['X=1\nexport X', { X: '1' }, { X: '1' }],
  ['Q="a\\nb"', { Q: 'a\\nb' }, { Q: 'a\\nb' }],
  ["P=$(printf 'a\\nb')", { P: 'anb' }, { P: 'anb' }],
  ['R=\\$(echo kept)', { R: '$(echo kept)' }, { R: '$(echo kept)' }],
  ['V=$A_ENV and ${A_ENV}', { V: 'from-env and from-env' }, { V: 'from-env and from-env' }],
  ["W=$(echo 'pa$word1')", { W: 'pa' }, { W: 'pa' }],
  ['O=$(secret-with-dollar)', { O: 'pa$word1' }, { O: 'pa' }],
  ['H=$(secret-with-home)', { H: '${HOME}x' }, { H: '/rootx' }],
  ['ENVMODE=$WORDY', { ENVMODE: 'pa$word1' }, { ENVMODE: 'pa$word1' }],
  ['I=$INJECT', { I: 'xinjectedy' }, { I: 'x$(echo injected)y' }],
  ['FIRST=$(echo ok)\nM=$(missing-prog --x)\nLAST=1', 'abort:not-found:2', 'abort:not-found:2'],
  ['U="ünïcødé ✓"\nU2=ünï', { U: 'ünïcødé ✓', U2: 'ünï' }, { U: 'ünïcødé ✓', U2: 'ünï' }],
  ['ML="line one\nline two"', { ML: 'line one\nline two' }, { ML: 'line one\nline two' }],
  ['# a comment\n  SPACED  =  value   # trailing comment\n', { SPACED: 'value' }, { SPACED: 'value' }],
  [
    'A=one\nB=$A-two\nA=three\nC=$A',
    { A: 'three', B: 'one-two', C: 'three' },
    { A: 'three', B: 'one-two', C: 'three' },
  ],
  ['BS=a\\b\\c', { BS: 'abc' }, { BS: 'abc' }],
  ['EMPTY=\nALSO=""', { EMPTY: '', ALSO: '' }, { EMPTY: '', ALSO: '' }],
  ['NEST=$(echo (inner))', { NEST: '(inner)' }, { NEST: '(inner)' }],
  ['D1=$$ and $ alone', { D1: '$$ and $ alone' }, { D1: '$$ and $ alone' }],
  ['CRLF=value\r\nNEXT=2\r\n', { CRLF: 'value', NEXT: '2' }, { CRLF: 'value', NEXT: '2' }],
  // Found by the differential run: dotenv reads the file with "bom|utf-8".
  ['\ufeffBOM=1\nB=2', { BOM: '1', B: '2' }, { BOM: '1', B: '2' }],
  // Ruby's case-insensitive [A-Z] takes ſ and K (Kelvin); $K is unset here, so empty.
  ['L=$ſ$\u212a', { L: 'long-s' }, { L: 'long-s' }],
  // Ruby's \s is ASCII: \v and \f separate like a space, and stay inside a value.
  [
    'V\v=1\nF\f:\f1\nW=ver\vtab\fform\nX=x \v# c',
    { V: '1', W: 'ver\vtab\fform', X: 'x' },
    { V: '1', W: 'ver\vtab\fform', X: 'x' },
  ],
  // A backslash at the end of a value has nothing to escape and stays; before a newline
  // in double quotes it unescapes to the newline.
  ['E=1\\\nQ="a\\\nb"\nZ=end\\', { E: '1\\', Q: 'a\nb', Z: 'end\\' }, { E: '1\\', Q: 'a\nb', Z: 'end\\' }],
];

describe('the dotenv model', () => {
  for (const [text, on31, on32] of table) {
    it(`parses ${JSON.stringify(text)} like dotenv 3.1 and 3.2`, () => {
      expect(values(text, '3.1')).toEqual(on31);
      expect(values(text, '3.2')).toEqual(on32);
    });
  }

  it('reports line numbers, quotes and the commands it ran', () => {
    const r = parseSecretsFile('\n# c\nA=$(echo x)\nB="q"\n', '3.2', env, fakeShell);
    expect(r.entries.map((e) => [e.name, e.line, e.quote])).toEqual([
      ['A', 3, ''],
      ['B', 4, '"'],
    ]);
    expect(r.entries[0].commands[0]).toMatchObject({ written: 'echo x', outcome: { kind: 'ran' } });
  });

  it('shell-escapes and splits like Ruby Shellwords', () => {
    const json = JSON.stringify({ A: 'pa$word 1', B: "it's" });
    expect(shellEscape(json)).toBe('\\{\\"A\\":\\"pa\\$word\\ 1\\",\\"B\\":\\"it\\\'s\\"\\}');
    expect(shellSplit(`kamal secrets extract A ${shellEscape(json)}`)).toEqual([
      'kamal',
      'secrets',
      'extract',
      'A',
      json,
    ]);
    expect(shellEscape('')).toBe("''");
  });
});
