// How Ruby's backticks hand a command to the system: exec'd, or through /bin/sh.
import { describe, expect, it } from 'vitest';
import { commandLine, simpleCommand } from '../../../src/kamal/check/command-line.js';

describe("Ruby's choice between exec and /bin/sh", () => {
  const table: [string, false | true][] = [
    ['kamal-secret get X', false],
    ['  kamal-secret   get\tX  ', false],
    ["kamal-secret get 'X'", true],
    ['kamal-secret get X; echo', true],
    ['A=1 kamal-secret get X', true],
    ['kamal-secret get X=1', false], // "=" only counts in the first word
    ['./bin/a=b', false], // after a "/", the first word is a path
    ['exit 3', true],
    ['! true', true],
    [':', true],
    ['exec echo', true],
    ['exporter x', false],
    ['echo a\\b', true],
    ['echo ~', true],
    ['echo #x', true],
  ];
  for (const [command, shell] of table) {
    it(`${JSON.stringify(command)} ${shell ? 'goes through /bin/sh' : "is exec'd"}`, () => {
      expect(commandLine(command).shell).toBe(shell);
    });
  }

  it("splits exec'd commands on spaces and tabs only", () => {
    expect(commandLine('  a\tb  c ')).toEqual({ shell: false, words: ['a', 'b', 'c'] });
    expect(commandLine('echo\va')).toEqual({ shell: false, words: ['echo\va'] });
    expect(commandLine('   ')).toEqual({ shell: false, words: [] });
  });
});

describe('the words of a plain /bin/sh command', () => {
  it('removes quotes and backslashes as sh does', () => {
    expect(simpleCommand(`kamal-secret get 'A B' "C\\"D" E\\ F ''`)).toEqual({
      assignments: {},
      words: ['kamal-secret', 'get', 'A B', 'C"D', 'E F', ''],
    });
    expect(simpleCommand(`X=1 Y='a b' kamal-secret get Z`)).toEqual({
      assignments: { X: '1', Y: 'a b' },
      words: ['kamal-secret', 'get', 'Z'],
    });
  });

  it('refuses anything more than words: operators, expansions, globs, comments, unclosed quotes', () => {
    for (const command of [
      'a | b',
      'a; b',
      'a && b',
      'a > f',
      'echo $HOME',
      'echo "$HOME"',
      'echo `id`',
      'echo *',
      'echo a?',
      '# c',
      '~/bin/x',
      "echo 'open",
      'echo "open',
      'if true',
      'a\nb',
    ])
      expect(simpleCommand(command), command).toBeNull();
  });
});
