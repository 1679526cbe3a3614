// Starting run's command, the same through Node's process handle and through child_process:
// real commands, each case run over both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeHandles } from '../../src/light/node-handles.js';
import { type ChildEvents, spawnInherited } from '../../src/light/spawn-inherited.js';

const handles = nodeHandles();
const transports = [
  { name: "Node's process handle", handles, skip: handles === null },
  { name: 'child_process', handles: null, skip: false },
].map((t) => (t.skip ? { ...t, name: `${t.name} (skipped: not used on Node ${process.version})` } : t));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-spawn-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

type Outcome = { exit: [number | null, NodeJS.Signals | null] } | { failed: string | undefined; message: string };

/** Start `command` and resolve with how it ended; `started` runs once spawnInherited returned. */
function outcome(
  command: string[],
  env: NodeJS.ProcessEnv,
  transport: (typeof transports)[number],
  started: (child: ReturnType<typeof spawnInherited>) => void = () => {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const on: ChildEvents = {
      failed: (code, message) => resolve({ failed: code, message }),
      exit: (code, signal) => resolve({ exit: [code, signal] }),
    };
    started(spawnInherited(command, env, on, transport.handles));
  });
}

describe.each(transports)('a child started through $name', (transport) => {
  it.skipIf(transport.skip)('gets exactly the environment given, and its status comes back', async () => {
    const out = path.join(dir, 'env');
    const env = { PATH: process.env.PATH, GIVEN: 'a value with spaces, = and\nnewlines', EMPTY: '', UNSET: undefined };
    const ended = await outcome(['sh', '-c', `env > ${out}; exit 3`], env, transport);
    expect(ended).toEqual({ exit: [3, null] });
    const seen = fs.readFileSync(out, 'utf8');
    expect(seen).toContain('GIVEN=a value with spaces, = and\nnewlines\n');
    expect(seen).toMatch(/^EMPTY=$/m);
    expect(seen).not.toMatch(/^UNSET=/m);
    expect(seen).not.toMatch(/^HOME=/m);
  });

  it.skipIf(transport.skip)('a child killed by a signal reports the signal', async () => {
    expect(await outcome(['sh', '-c', 'kill -TERM $$'], process.env, transport)).toEqual({ exit: [null, 'SIGTERM'] });
  });

  it.skipIf(transport.skip)('kill passes a signal on', async () => {
    const ended = await outcome(['sleep', '30'], process.env, transport, (child) =>
      setTimeout(() => child.kill('SIGINT'), 50),
    );
    expect(ended).toEqual({ exit: [null, 'SIGINT'] });
  });

  it.skipIf(transport.skip)('a command that is not there, or not executable, fails to start with errno', async () => {
    expect(await outcome(['no-such-command-here'], process.env, transport)).toEqual({
      failed: 'ENOENT',
      message: 'spawn no-such-command-here ENOENT',
    });
    const script = path.join(dir, 'not-executable');
    fs.writeFileSync(script, '#!/bin/sh\n', { mode: 0o644 });
    expect(await outcome([script], process.env, transport)).toEqual({
      failed: 'EACCES',
      message: `spawn ${script} EACCES`,
    });
    expect(await outcome([''], process.env, transport)).toEqual({ failed: 'ENOENT', message: 'spawn ENOENT' });
  });

  it.skipIf(transport.skip)(
    'what exec refuses at once (ENOTDIR, E2BIG) is a failure to start too, never a throw',
    async () => {
      let returned = false;
      const failed = outcome(['/etc/passwd/x'], process.env, transport, () => {
        returned = true;
      });
      expect(await failed).toMatchObject({ failed: 'ENOTDIR' });
      expect(returned).toBe(true);
      const huge = { PATH: process.env.PATH, HUGE: 'x'.repeat(200_000) }; // over Linux's 128 KiB per string
      expect(await outcome(['true'], huge, transport)).toMatchObject({ failed: 'E2BIG' });
    },
  );

  it.skipIf(transport.skip)('kill once the child has ended, or when it never started, does nothing', async () => {
    let child: ReturnType<typeof spawnInherited> | undefined;
    expect(await outcome(['true'], process.env, transport, (c) => (child = c))).toEqual({ exit: [0, null] });
    expect(() => child?.kill('SIGTERM')).not.toThrow();
    expect(await outcome(['no-such-command-here'], process.env, transport, (c) => c.kill('SIGTERM'))).toMatchObject({
      failed: 'ENOENT',
    });
  });
});
