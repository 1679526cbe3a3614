// Two writers at once, and writers killed at random instants: the vault must always open,
// with the old or the new contents, and no change may be lost.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, Sandbox } from '../helpers/cli.js';

let box: Sandbox;
beforeEach(async () => {
  box = new Sandbox();
  await box.init();
});
afterEach(() => box.cleanup());

describe('durability', () => {
  it('four processes running set at once all land', async () => {
    const results = await Promise.all(['A', 'B', 'C', 'D'].map((n) => box.run(['set', n], { input: `value-${n}` })));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const json = JSON.parse((await box.run(['export', '--format', 'json'])).stdout);
    expect(json).toEqual({ A: 'value-A', B: 'value-B', C: 'value-C', D: 'value-D' });
  });

  it('a writer killed at any instant leaves a vault that opens with the old or new contents', async () => {
    await box.set('STABLE', 'stable-value');
    // Kill `set` at delays spread over its whole life: start-up, Argon2id, seal, write, rename.
    for (let i = 0; i < 12; i++) {
      const child = spawn(process.execPath, [BIN, 'set', `K${i}`], {
        env: cleanEnv(box.env),
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      const closed = new Promise((r) => child.on('close', r));
      child.stdin.end(`value-${i}`);
      const delay = 150 + i * 50 + Math.random() * 40;
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await closed;
      const r = await box.run(['export', '--format', 'json']);
      expect({ i, code: r.code, stderr: r.stderr }).toEqual({ i, code: 0, stderr: '' });
      const values = JSON.parse(r.stdout);
      expect(values.STABLE).toBe('stable-value');
      if (values[`K${i}`] !== undefined) expect(values[`K${i}`]).toBe(`value-${i}`);
    }
    // A writer after all those kills still works (a dead writer's lock is broken).
    await box.set('AFTER', 'after-value');
    expect(fs.readdirSync(box.path('data')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it("the next write removes a dead writer's temp files, never a live one's", async () => {
    const dead = 2 ** 22 + 17; // above Linux's default pid_max: no such process
    box.write({
      [`data/.vault.json.${dead}.1700000000000.tmp`]: 'half-written',
      [`data/vault.json.bak.${dead}.tmp`]: '',
      [`data/.vault.json.${process.pid}.1.tmp`]: 'in use',
    });
    await box.set('NEXT', 'next-value');
    expect(fs.readdirSync(box.path('data')).filter((f) => f.endsWith('.tmp'))).toEqual([
      `.vault.json.${process.pid}.1.tmp`,
    ]);
  });

  it('keeps the previous version as vault.json.bak', async () => {
    await box.set('A', 'first-value');
    await box.set('A', 'second-value');
    fs.copyFileSync(`${box.vault}.bak`, box.vault);
    expect((await box.run(['get', 'A'])).stdout).toBe('first-value\n');
  });
});
