// What the old files deliver per name and dotenv version, what their lines meant when
// dotenv (or grep | cut) alters a value, what stops a migration, and which value is stored.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandRunner } from '../../../src/kamal/migrate/commands.js';
import { alterations, deliveredValues, storedValues } from '../../../src/kamal/migrate/decide.js';
import { type Deploy, entryCommands, evaluateDeploy } from '../../../src/kamal/migrate/evaluate.js';

let app: string;
beforeEach(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-evaluate-'));
  fs.mkdirSync(path.join(app, '.kamal'));
});
afterEach(() => fs.rmSync(app, { recursive: true, force: true }));

function evaluate(secrets: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env) {
  for (const [name, text] of Object.entries({ '.kamal/secrets': secrets, ...files }))
    fs.writeFileSync(path.join(app, name), text);
  const deploy: Deploy = { destination: undefined, scope: 'shop', files: [path.join(app, '.kamal', 'secrets')] };
  const runner = new CommandRunner({ cwd: app, kamal: null, lookup: () => null });
  return evaluateDeploy(deploy, {
    root: app,
    versions: ['3.1', '3.2'],
    env,
    exec: runner.executor(env, deploy.scope),
    needed: new Map([['A', 'env.secret']]),
    intendedOutput: (o) => runner.intendedOutput(o),
  });
}

it('entryCommands finds the $(…) of a line as written, nested parentheses included, escaped and single-quoted ones not', () => {
  const line = (raw: string, quote: '' | "'" | '"' = '') => ({ raw, quote }) as Parameters<typeof entryCommands>[0];
  expect(entryCommands(line('pre$(a (b) c)post \\$(not) $(d)'))).toEqual(['$(a (b) c)', '$(d)']);
  expect(entryCommands(line('$(unclosed'))).toEqual([]);
  expect(entryCommands(line("'$(a)'", "'"))).toEqual([]);
});

describe('evaluateDeploy', () => {
  it('records each value per dotenv version, and the value its line meant where one is altered', () => {
    const e = evaluate(
      [
        "B64=$(cat .env | grep B64 | cut -d '=' -f 2)",
        'PLAIN=$(grep PLAIN .env | cut -d = -f 2)',
        'LITERAL=abc#def',
        'DOLLAR=$(cat dollar.txt)',
        'FROM_ENV=$SOME_VAR',
        'SECRETS=$(kamal secrets fetch --adapter test --account x A)',
        'A=$(kamal secrets extract A $SECRETS)',
        '',
      ].join('\n'),
      { '.env': 'B64=YWJjZA==\nPLAIN=plain\n', 'dollar.txt': 'pa$word1\n' },
      { ...process.env, SOME_VAR: 'from-env' },
    );
    expect(e.problems).toEqual([]);
    const summary = Object.fromEntries(
      [...e.names].map(([n, d]) => [
        n,
        { v31: d.values.get('3.1'), v32: d.values.get('3.2'), intended: d.intended, altered: [...d.altered.keys()] },
      ]),
    );
    expect(summary).toEqual({
      B64: { v31: 'YWJjZA', v32: 'YWJjZA', intended: 'YWJjZA==', altered: ['3.1', '3.2'] },
      PLAIN: { v31: 'plain', v32: 'plain', intended: undefined, altered: [] },
      LITERAL: { v31: 'abc', v32: 'abc', intended: 'abc#def', altered: ['3.1', '3.2'] },
      DOLLAR: { v31: 'pa$word1', v32: 'pa', intended: 'pa$word1', altered: ['3.2'] },
      FROM_ENV: { v31: 'from-env', v32: 'from-env', intended: undefined, altered: [] },
      A: { v31: 'A', v32: 'A', intended: undefined, altered: [] },
    });
    expect(e.names.get('B64')!.altered.get('3.1')).toMatch(/cut keeps only the text before it/);
    expect(e.names.get('LITERAL')!.altered.get('3.1')).toBe('an unquoted "#" cuts it short');
    expect(e.names.get('DOLLAR')!.altered.get('3.2')).toBe('dotenv 3.2 expands "$" in the command\'s output');
    expect(e.names.get('DOLLAR')!.origin).toEqual({ file: '.kamal/secrets', line: 4, source: '$(cat dollar.txt)' });
    expect(e.names.get('FROM_ENV')!.origin.source).toBe('$SOME_VAR from the environment');
    expect(e.intermediates.map((d) => d.name)).toEqual(['SECRETS']);
  });

  it('reports each command that fails, prints nothing or cannot run, and each empty value', () => {
    const e = evaluate('F=$(false)\nE=$(true)\nX=\nG=$(sh -c "echo out; exit 3")\n');
    expect(e.problems.map((p) => `${p.name}:${p.origin?.line}: ${p.what}`)).toEqual([
      'F:1: $(false) exits with status 1',
      'E:2: $(true) prints nothing',
      'X:3: its value is empty',
      'G:4: $(sh -c "echo out; exit 3") exits with status 3',
    ]);
  });

  it('a program missing from PATH empties the whole file, as Kamal reads it', () => {
    const e = evaluate('A=literal\nB=$(no-such-program-ks get B)\n');
    expect(e.problems).toEqual([
      {
        name: null,
        origin: { file: '.kamal/secrets', line: 2, source: '' },
        what: 'no-such-program-ks is not on PATH, so Kamal reads the whole of .kamal/secrets as empty',
      },
    ]);
  });
});

describe('decide', () => {
  const dollar = () => evaluate('DOLLAR=$(cat dollar.txt)\nSAME=same\n', { 'dollar.txt': 'pa$word1\n' });

  it('a value dotenv 3.1 and 3.2 deliver differently is known from real Kamal, else only by its meant value', () => {
    const e = dollar();
    expect(deliveredValues(e, ['3.1', '3.2'], undefined)).toEqual({
      delivered: new Map([
        ['DOLLAR', undefined],
        ['SAME', 'same'],
      ]),
      problems: [],
    });
    const printed = new Map([
      ['DOLLAR', 'pa'],
      ['SAME', 'same'],
    ]);
    expect(deliveredValues(e, ['3.1', '3.2'], printed).delivered.get('DOLLAR')).toBe('pa');
    expect(deliveredValues(e, ['3.2'], undefined).delivered.get('DOLLAR')).toBe('pa');
  });

  it('real Kamal disagreeing with the model, or delivering a name it does not, stops the migration', () => {
    const { problems } = deliveredValues(
      dollar(),
      ['3.1', '3.2'],
      new Map([
        ['DOLLAR', 'something else'],
        ['EXTRA', 'x'],
      ]),
    );
    expect(problems.map((p) => `${p.name}: ${p.what}`)).toEqual([
      "DOLLAR: real kamal secrets print delivers another value than kamal-secret's model of it",
      'SAME: real kamal secrets print does not deliver it',
      "EXTRA: real kamal secrets print delivers it, and kamal-secret's model does not",
    ]);
  });

  it('an altered name stores the meant value unless the person picks the delivered one', () => {
    const e = dollar();
    const { delivered } = deliveredValues(e, ['3.2'], undefined);
    const found = alterations([{ evaluation: e, delivered }], () => true);
    expect(found).toEqual([
      {
        name: 'DOLLAR',
        origin: { file: '.kamal/secrets', line: 1, source: '$(cat dollar.txt)' },
        why: 'dotenv 3.2 expands "$" in the command\'s output',
        deliveredKnown: true,
      },
    ]);
    expect(storedValues(e, delivered, new Map()).get('DOLLAR')).toMatchObject({
      value: 'pa$word1',
      altered: { stored: 'intended' },
    });
    expect(storedValues(e, delivered, new Map([['DOLLAR', 'delivered']])).get('DOLLAR')).toMatchObject({
      value: 'pa',
      altered: { stored: 'delivered' },
    });
    expect(storedValues(e, delivered, new Map()).get('SAME')).toEqual({
      value: 'same',
      origin: expect.anything(),
      common: false,
    });
  });
});
