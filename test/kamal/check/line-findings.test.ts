// The findings for one parsed file, without a build: which lines are errors on which
// dotenv version, what the fix says, and that no message holds a value.
import { describe, expect, it } from 'vitest';
import { type FileContext, type Finding, fileFindings } from '../../../src/kamal/check/line-findings.js';
import { type CommandOutcome, type DotenvVersion, parseSecretsFile } from '../../../src/kamal/dotenv-model.js';

/** What `kamal-secret get NAME` prints, from a small vault; `cat` of a file that holds a value. */
const vault: Record<string, string> = {
  PLAIN: 'plain-secret',
  BANG: 'P@ss$!word',
  DOLLAR: 'pa$word1',
  BRACED: 'x${HOME}y',
  DATABASE_URL: 'postgres://db',
};
function exec(command: string): CommandOutcome {
  const get = /^kamal-secret get (\S+)$/.exec(command);
  if (get) {
    const value = vault[get[1]];
    return value === undefined
      ? { kind: 'ran', via: 'vault', stdout: '', status: 1, missing: { name: get[1], chain: ['shop', ''] } }
      : { kind: 'ran', via: 'vault', stdout: `${value}\n`, status: 0 };
  }
  if (command === 'cat secret.txt') return { kind: 'ran', via: 'file', stdout: 'file-secret\n', status: 0 };
  // a file read whose path came from a value: what it says on stderr holds that value
  if (command.startsWith('cat '))
    return { kind: 'ran', via: 'file', stdout: '', status: 1, stderr: `${command}: No such file or directory` };
  if (command.startsWith('kamal-secrte ')) return { kind: 'not-found', program: 'kamal-secrte' };
  if (command.startsWith('echo ')) return { kind: 'ran', via: 'shell', stdout: `${command.slice(5)}\n`, status: 0 };
  return { kind: 'not-run', reason: 'not in this test' };
}

const env = { HOME: '/root', FROM_ENV: 'env-secret', ENV_CMD: 'x$(echo injected)y', ENV_ESCAPED: 'a\\$(echo hi)b' };

function findings(text: string, version: DotenvVersion, extra: Partial<FileContext> = {}): Finding[] {
  return fileFindings(parseSecretsFile(text, version, env, exec), {
    file: '.kamal/secrets',
    version,
    visible: new Map(),
    commonNames: new Set(),
    scopeLabel: 'shop',
    needed: new Map(),
    known: new Set(['DATABASE_URL', 'KAMAL_REGISTRY_PASSWORD']),
    ...extra,
  });
}
const errors = (text: string, version: DotenvVersion, extra?: Partial<FileContext>) =>
  findings(text, version, extra)
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.line}:${f.code}`);

describe('line findings', () => {
  it('a "$" in a command\'s output is an error only where dotenv 3.2 expands it: before a name', () => {
    const text = 'A=$(kamal-secret get BANG)\nB=$(kamal-secret get DOLLAR)\nC=$(kamal-secret get BRACED)\n';
    expect(errors(text, '3.2')).toEqual(['2:dollar-in-command', '3:dollar-in-command']);
    expect(errors(text, '3.1')).toEqual([]);
  });

  it('DOTENV_LINEBREAK_MODE=legacy, in the file or the environment, makes "\\n" a newline: no backslash error', () => {
    expect(errors('A="a\\nb"\n', '3.2')).toEqual(['1:backslash']);
    expect(errors('DOTENV_LINEBREAK_MODE=legacy\nA="a\\nb"\n', '3.2')).toEqual([]);
    const legacy = fileFindings(parseSecretsFile('A="a\\nb"\n', '3.2', { DOTENV_LINEBREAK_MODE: 'legacy' }, exec), {
      file: '.kamal/secrets',
      version: '3.2',
      visible: new Map(),
      commonNames: new Set(),
      scopeLabel: 'shop',
      needed: new Map(),
      known: new Set(),
    });
    expect(legacy.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it("'$(cmd)' in single quotes is delivered as text: an error, like '$NAME'", () => {
    expect(errors("A='$(kamal-secret get PLAIN)'\nB='p$(x'\n", '3.2')).toEqual(['1:single-quoted-command']);
  });

  it('dotenv 3.1 runs "$(" that arrives through a variable, from the environment or an earlier line, run or not', () => {
    const text = "FROM_CMD=$ENV_CMD\nESCAPED=$ENV_ESCAPED\nLIT='$(echo hi)'\nB=$LIT\nOK=$FROM_ENV\n";
    expect(errors(text, '3.1')).toEqual([
      '1:command-text-via-env',
      '2:command-text-via-env',
      '3:single-quoted-command',
      '4:command-text-via-env',
    ]);
    expect(errors(text, '3.2')).toEqual(['3:single-quoted-command']);
    // a command the model does not run is still flagged: it runs on 3.1 whatever it does
    expect(errors('X=$NOT_RUN\n', '3.1')).toEqual(['1:unset-variable']);
    const notRun = fileFindings(parseSecretsFile('X=$V\n', '3.1', { V: '$(unknown-cmd)' }, exec), {
      file: '.kamal/secrets',
      version: '3.1',
      visible: new Map(),
      commonNames: new Set(),
      scopeLabel: 'shop',
      needed: new Map(),
      known: new Set(),
    });
    expect(notRun.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['command-text-via-env']);
  });

  it('a typo gets "did you mean", never "kamal-secret set TYPO"', () => {
    const typo = findings('DB=$(kamal-secret get DATABSE_URL)\nREG=$KAMAL_REGISTRY_PASSWRD\n', '3.2');
    expect(typo.map((f) => f.fix)).toEqual([
      expect.stringMatching(/did you mean DATABASE_URL/),
      expect.stringMatching(/did you mean KAMAL_REGISTRY_PASSWORD/),
    ]);
    for (const f of typo) expect(f.fix).not.toMatch(/set (DATABSE_URL|KAMAL_REGISTRY_PASSWRD)/);
  });

  it('every fix fits its cause: a misspelt program, a "$(" defined in the file itself', () => {
    const [program] = findings('X=$(kamal-secrte get X)\n', '3.2');
    expect(program).toMatchObject({ code: 'command-not-found', fix: 'did you mean kamal-secret? correct the command' });
    const via = findings("T='$(echo hi)'\nS=$T\n", '3.1').find((f) => f.code === 'command-text-via-env');
    expect(via?.fix).toBe('change the line of .kamal/secrets that defines T so that its value holds no "$("');
  });

  it('a value cut at $word is fixed by quoting, not by storing "word"', () => {
    const [cut] = findings('PASSWORD=pa$word1\n', '3.2');
    expect(cut.code).toBe('unset-variable');
    expect(cut.fix).toMatch(/single-quote/);
    expect(cut.fix).not.toMatch(/set word1/);
  });

  it('never puts a value, file content or environment content in a message', () => {
    const text = [
      'A=$(kamal-secret get DOLLAR)',
      'B=$(cat $FROM_ENV)',
      'C=$(cat secret.txt)',
      'D=$(echo $(kamal-secret get PLAIN) | tr a b)',
      'E=$FROM_ENV$(echo x)',
      '',
    ].join('\n');
    for (const version of ['3.1', '3.2'] as DotenvVersion[]) {
      const all = JSON.stringify(findings(text, version));
      for (const value of ['pa$word1', 'env-secret', 'file-secret', 'plain-secret']) expect(all).not.toContain(value);
      expect(all).toContain('$(cat $FROM_ENV) exits with status 1:'); // the command as written, without its stderr
    }
  });
});
