// dotenv's LINE pattern, scanned: the matches Ruby's scan finds, including the ones that
// need backtracking, and linear time on the inputs that made the regex quadratic.
import { describe, expect, it } from 'vitest';
import { matchLines } from '../../src/kamal/dotenv-lines.js';
import { MAX_EXPANDED, parseSecretsFile } from '../../src/kamal/dotenv-model.js';
import { RUN_NOTHING } from '../../src/kamal/env-references.js';

const scan = (text: string) =>
  [...matchLines(text)].map((m) => `${m.line}:${m.exported ? 'export ' : ''}${m.key}=${JSON.stringify(m.value)}`);

describe('the LINE scanner', () => {
  // [text, matches as line:key=value group (undefined when absent)]
  const table: [string, string[]][] = [
    ['A=1\nB = 2 # c\nC: 3', ['1:A="1"', '2:B=" 2 "', '3:C="3"']],
    ['export A=1\nexport=2\nexport  B', ['1:export A="1"', '2:export="2"', '3:export B=undefined']],
    ['BARE\nA:b\n  K  \n', ['1:BARE=undefined', '3:K=undefined']],
    // \s* before "=" and after ":" crosses lines; so does the white space before a quote
    ['A\n=1', ['1:A="1"']],
    ['A:\nfoo', ['1:A="foo"']],
    ["A=\n'quoted'\nB=2", ['1:A="\\n\'quoted\'"', '3:B="2"']],
    // a closing quote followed by text: Ruby backtracks to an escaped quote, else reads it unquoted
    ["A='x\\'y'z\nB=1", ["1:A=\"'x\\\\'y'z\"", '2:B="1"']],
    ["A='x\\'\nB=1", ['1:A="\'x\\\\\'"', '2:B="1"']],
    ["A='x\\' # c\nB='y'", ['1:A="\'x\\\\\'"', '2:B="\'y\'"']],
    ["A='x'y\nB=1", ['1:A="\'x\'y"', '2:B="1"']],
    ["A='multi\nline'\nB=1", ['1:A="\'multi\\nline\'"', '3:B="1"']],
    ['A="open\nB=1', ['1:A="\\"open"', '2:B="1"']],
    ['A=abc#def\nB=#x', ['1:A="abc"', '2:B=undefined']],
    ['# comment\n\n\nA=1\n\n# c2\nB=2', ['4:A="1"', '7:B="2"']],
    ['ü=1\nDOT.KEY=2\n1A=3', ['2:DOT.KEY="2"', '3:1A="3"']],
  ];
  for (const [text, expected] of table) {
    it(`scans ${JSON.stringify(text)}`, () => expect(scan(text)).toEqual(expected));
  }

  it('marks an unquoted value cut at "#" with no white space before it', () => {
    expect([...matchLines('A=abc#def\nB=abc #def\nC="a"#x')].map((m) => m.cutAtHash)).toEqual([true, false, false]);
  });
});

// Each input is about 1 MB of the shape that made a step quadratic (or overflowed the
// stack). The parser's work is linear, so each parses in well under a second of CPU;
// the bound below is generous so that a slow CI machine does not fail it, while a
// quadratic parser (minutes on these inputs) always does.
describe('linear time: 1 MB worst cases parse within seconds (a quadratic parser takes minutes)', () => {
  const MB = 1 << 20;
  const repeat = (unit: string) => unit.repeat(Math.ceil(MB / unit.length));
  const worst: Record<string, string> = {
    'blank lines': repeat('\n'),
    'blank lines then a non-key': `${repeat('\n')}!`,
    'white space lines': repeat(' \t \n'),
    'unclosed $(': `A=${repeat('$(')}`,
    'nested $( with a close': `A=${repeat('$(')}x)`,
    'opening parentheses': `A=$(${repeat('(')}`,
    'escaped quotes': `A='${repeat("\\'")}`,
    'escaped double quotes': `A="${repeat('\\"')}`,
    'quotes closed then text': repeat("A='x'y\n"),
    'keys without values': repeat('A\n'),
    'empty values': repeat('A=\n'),
    colons: repeat('A:\n'),
    variables: `A=${repeat('$A')}`,
    'a variable with a value, repeated': `A=x\nB=${repeat('$A')}`,
    'a long variable, repeated': `A=${'x'.repeat(1000)}\nB=${repeat('$A')}`,
    braces: `A=${repeat('${')}`,
    backslashes: `A=${repeat('\\')}`,
    comments: repeat('#\n'),
    'export words': repeat('export '),
    'long line of spaces then text': `A=1${repeat(' ')}x`,
    hashes: `A=${repeat('#')}`,
  };
  for (const [shape, text] of Object.entries(worst)) {
    it(`${shape}`, () => {
      // CPU time, not wall time: a busy machine slows the clock, not the work.
      const started = process.cpuUsage();
      for (const version of ['3.1', '3.2'] as const) parseSecretsFile(text, version, {}, RUN_NOTHING);
      const used = process.cpuUsage(started);
      const ms = (used.user + used.system) / 1000 / 2;
      console.log(
        `parse ${shape} (${(text.length / MB).toFixed(2)} MB): ${ms.toFixed(0)} ms of CPU per dotenv version`,
      );
      expect(ms).toBeLessThan(10_000);
    });
  }
});

describe('values that expand beyond MAX_EXPANDED', () => {
  const repeated = `A=${'x'.repeat(1000)}\nB=${'$A'.repeat(500_000)}\nC=$B\nD=ok\n`;
  for (const version of ['3.1', '3.2'] as const) {
    it(`are marked too large, not built (dotenv ${version}), and the file goes on`, () => {
      const { values } = parseSecretsFile(repeated, version, {}, RUN_NOTHING);
      expect(values.get('B')).toMatchObject({ value: null, meant: null, tooLarge: true });
      expect(values.get('C')).toMatchObject({ value: null });
      expect(values.get('D')).toMatchObject({ value: 'ok' });
    });
  }

  it('leave a value just under the limit whole', () => {
    const unit = 'y'.repeat(1024);
    const text = `A=${unit}\nB=${'$A'.repeat(MAX_EXPANDED / 1024)}\n`;
    const { values } = parseSecretsFile(text, '3.2', {}, RUN_NOTHING);
    expect(values.get('B')?.value?.length).toBe(MAX_EXPANDED);
  });
});
