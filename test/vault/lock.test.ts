// The write lock's rules, each on real files: who may remove a lock, and when.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { withLock } from '../../src/vault/lock.js';

const DEAD_PID = 2 ** 22 + 17; // above Linux's highest possible pid_max: never a live process
const ALIVE_PID = process.ppid;
const link = (pid: number, token: string) => `kamal-secret-lock:${pid}:${token}`;

let dir: string;
let lockPath: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-lock-'));
  lockPath = path.join(dir, 'vault.json.lock');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const entries = () => fs.readdirSync(dir).sort();

describe('vault lock', () => {
  it('holds a link naming this process while the work runs, and removes it after', async () => {
    const seen = await withLock(lockPath, async () => fs.readlinkSync(lockPath));
    expect(seen).toMatch(new RegExp(`^kamal-secret-lock:${process.pid}:[0-9a-f]{32}$`));
    expect(entries()).toEqual([]);
  });

  it('takes over the lock of a dead owner', async () => {
    fs.symlinkSync(link(DEAD_PID, 'aa'), lockPath);
    expect(await withLock(lockPath, async () => 'ran')).toBe('ran');
    expect(entries()).toEqual([]);
  });

  it('also when the waiter that was removing it died holding its guard', async () => {
    fs.symlinkSync(link(DEAD_PID, 'aa'), lockPath);
    fs.symlinkSync(link(DEAD_PID, 'bb'), `${lockPath}.break-aa`);
    fs.symlinkSync(link(DEAD_PID, 'cc'), `${lockPath}.break-bb`);
    expect(await withLock(lockPath, async () => 'ran')).toBe('ran');
    expect(entries()).toEqual([]);
  });

  it('removes guards of dead waiters left behind, never a live one', async () => {
    fs.symlinkSync(link(DEAD_PID, 'bb'), `${lockPath}.break-aa`);
    fs.symlinkSync(link(ALIVE_PID, 'dd'), `${lockPath}.break-cc`);
    await withLock(lockPath, async () => undefined);
    expect(entries()).toEqual(['vault.json.lock.break-cc']);
  });

  it('waits for a live owner and, past the timeout, says how to fix it', async () => {
    fs.symlinkSync(link(ALIVE_PID, 'aa'), lockPath);
    const failure = withLock(lockPath, async () => 'ran', 100);
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toMatchObject({
      message: `the vault is locked by another kamal-secret process (${lockPath})`,
      fix: 'if none is running, remove that file',
    });
    expect(fs.readlinkSync(lockPath)).toBe(link(ALIVE_PID, 'aa'));
  });

  it('never removes a file it did not create, even one naming no live process', async () => {
    fs.writeFileSync(lockPath, `${DEAD_PID}\n`);
    await expect(withLock(lockPath, async () => 'ran', 100)).rejects.toBeInstanceOf(UserError);
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(`${DEAD_PID}\n`);
  });

  it('on release, leaves a lock that is no longer its own', async () => {
    await withLock(lockPath, async () => {
      fs.rmSync(lockPath); // removed by hand, and taken by another process
      fs.symlinkSync(link(ALIVE_PID, 'ee'), lockPath);
    });
    expect(fs.readlinkSync(lockPath)).toBe(link(ALIVE_PID, 'ee'));
  });

  it('lets one holder in at a time', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withLock(lockPath, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setImmediate(r));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
