// Finding the app's own Kamal, reading `kamal secrets print`, and running each command
// of the old files once (CommandRunner).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchOptions } from '../../../src/kamal/kamal-secrets-command.js';
import { fetchRequest, fetchWithoutKamal } from '../../../src/kamal/migrate/adapters/index.js';
import { CommandRunner } from '../../../src/kamal/migrate/commands.js';
import {
  fetchThroughKamal,
  findKamal,
  lockedDotenv,
  parsePrint,
  unusable,
} from '../../../src/kamal/migrate/real-kamal.js';
import {
  realKamalAvailable as available,
  realKamalSources,
  realKamalSkipReason as reason,
} from '../../helpers/real-kamal.js';
import { FakeManagers, writeRealKamalExecutable } from './fake-managers.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-real-kamal-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(file: string, body: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

describe('findKamal', () => {
  it('prefers bin/kamal, then bundle exec kamal when Gemfile.lock names kamal, then kamal on PATH', () => {
    const app = path.join(dir, 'app');
    const bin = path.join(dir, 'bin');
    script(path.join(bin, 'kamal'), 'echo 2.12.0');
    script(path.join(bin, 'bundle'), 'exit 0');
    fs.mkdirSync(app);
    const env = { PATH: bin };
    expect(findKamal(app, env)).toEqual({ command: ['kamal'], label: 'kamal' });
    fs.writeFileSync(path.join(app, 'Gemfile.lock'), 'GEM\n  specs:\n    dotenv (3.1.8)\n    kamal (2.12.0)\n');
    expect(findKamal(app, env)).toEqual({ command: ['bundle', 'exec', 'kamal'], label: 'bundle exec kamal' });
    script(path.join(app, 'bin', 'kamal'), 'echo 2.12.0');
    expect(findKamal(app, env)).toEqual({ command: [path.join(app, 'bin', 'kamal')], label: 'bin/kamal' });
    expect(findKamal(path.join(dir, 'elsewhere'), { PATH: '/nonexistent' })).toBeNull();
  });

  it('a Kamal that does not run, or is Kamal 1, is said to be unusable', () => {
    const kamal = (body: string) => ({ command: [script(path.join(dir, 'kamal'), body)], label: 'kamal' });
    expect(unusable(kamal('echo 2.12.0'), { cwd: dir, env: process.env })).toBeNull();
    expect(unusable(kamal('exit 1'), { cwd: dir, env: process.env })).toBe('`kamal version` fails');
    expect(unusable(kamal('echo 1.9.2'), { cwd: dir, env: process.env })).toMatch(
      /Kamal 1\.9, which has no .kamal\/secrets/,
    );
  });
});

it('lockedDotenv reads the dotenv behaviour Gemfile.lock pins', () => {
  expect(lockedDotenv(dir)).toBeNull();
  fs.writeFileSync(path.join(dir, 'Gemfile.lock'), 'GEM\n  specs:\n    dotenv (3.1.8)\n');
  expect(lockedDotenv(dir)).toBe('3.1');
  fs.writeFileSync(
    path.join(dir, 'Gemfile.lock'),
    'GEM\n  specs:\n    dotenv (3.2.0)\n    kamal (2.12.0)\n      dotenv (~> 3.1)\n',
  );
  expect(lockedDotenv(dir)).toBe('3.2');
});

it('parsePrint reads NAME=value lines, a line that starts no known name continuing a multi-line value', () => {
  const printed = 'A=one\nB=two\nlines\nOTHER=x\nC=a=b\n';
  expect(parsePrint(printed, new Set(['A', 'B', 'C']))).toEqual(
    new Map([
      ['A', 'one'],
      ['B', 'two\nlines\nOTHER=x'],
      ['C', 'a=b'],
    ]),
  );
});

describe('CommandRunner', () => {
  it('runs a command once per destination, a kamal secrets fetch once in all, and replays without running', () => {
    const counter = path.join(dir, 'count');
    const runner = new CommandRunner({ cwd: dir, kamal: null, lookup: () => null });
    const command = `echo run >> ${counter}; echo value`;
    const staging = runner.executor({ ...process.env, KAMAL_DESTINATION: 'staging' }, 'shop/staging');
    const production = runner.executor({ ...process.env, KAMAL_DESTINATION: 'production' }, 'shop/production');
    expect(staging(command)).toMatchObject({ kind: 'ran', stdout: 'value\n' });
    staging(command);
    production(command);
    expect(fs.readFileSync(counter, 'utf8')).toBe('run\nrun\n');
    const fetch = 'kamal secrets fetch --adapter test --account x A';
    expect(staging(fetch)).toEqual(production(fetch));
    expect(runner.replay({ ...process.env, KAMAL_DESTINATION: 'staging' }, 'shop/staging')(command)).toMatchObject({
      kind: 'ran',
      stdout: 'value\n',
    });
    expect(runner.replay(process.env, 'shop')('echo never')).toMatchObject({ kind: 'not-run' });
  });
});

describe(`a kamal secrets fetch through real Kamal${reason}`, () => {
  it.skipIf(!available)('gives the file what our own adapter gives it', { timeout: 300_000 }, () => {
    const managers = new FakeManagers().data('lpass', {
      account: 'me@example.com',
      loggedIn: true,
      entries: [{ fullname: 'A', password: 'a-value' }],
    });
    try {
      const kamal = writeRealKamalExecutable(path.join(dir, 'kbin'), {
        kamal: realKamalSources.kamal,
        dotenv: realKamalSources.dotenv['3.2'],
        harness: realKamalSources.harness,
      });
      const env = { ...process.env, ...managers.env() };
      const args = ['--adapter', 'lastpass', '--account', 'me@example.com', 'A'];
      const real = fetchThroughKamal({ command: [kamal], label: 'kamal' }, args, { cwd: dir, env });
      const opts = fetchOptions(args)!;
      const ours = fetchWithoutKamal(fetchRequest({ ...opts, adapter: opts.adapter! })!, { cwd: dir, env });
      expect(real).toEqual(ours);
      const failing = fetchThroughKamal({ command: [kamal], label: 'kamal' }, [...args.slice(0, 4), 'NOPE'], {
        cwd: dir,
        env,
      });
      expect(failing).toEqual({
        kind: 'not-run',
        reason: 'kamal secrets fetch fails: Could not read ["NOPE"] from LastPass',
      });
    } finally {
      managers.cleanup();
    }
  });
});
