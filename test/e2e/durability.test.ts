// Two writers at once, writers killed at random instants, a full disk: the vault must
// always open, with the old or the new contents, and no acknowledged change may be lost.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVault, unwrapKey } from '../../src/vault/crypto.js';
import { readVaultFile } from '../../src/vault/store.js';
import { BIN, cleanEnv, PASSPHRASE, ROOT, Sandbox } from '../helpers/cli.js';

let box: Sandbox;

describe('durability', () => {
  beforeEach(async () => {
    box = new Sandbox();
    await box.init();
  });
  afterEach(() => box.cleanup());

  it('four processes running set at once all land', async () => {
    const results = await Promise.all(['A', 'B', 'C', 'D'].map((n) => box.run(['set', n], { input: `value-${n}` })));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    const json = JSON.parse((await box.run(['export', '--format', 'json'])).stdout);
    expect(json).toEqual({ A: 'value-A', B: 'value-B', C: 'value-C', D: 'value-D' });
  });

  it('a writer killed at any instant leaves a vault that opens with the old or new contents', async () => {
    await box.set('STABLE', 'stable-value');
    const key = await unwrapKey(readVaultFile(box.vault).header, PASSPHRASE);
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
      // The vault on disk opens, with the old or the new contents (read here: no Argon2id per round).
      const { secrets } = await openVault(readVaultFile(box.vault), key);
      expect({ i, stable: secrets.STABLE?.value }).toEqual({ i, stable: 'stable-value' });
      if (secrets[`K${i}`] !== undefined) expect(secrets[`K${i}`].value).toBe(`value-${i}`);
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

  it('loses no acknowledged write when lock holders are killed at random', async () => {
    const key = await unwrapKey(readVaultFile(box.vault).header, PASSPHRASE);
    const writers = new Set<ChildProcess>();
    const acknowledged = new Set<string>();
    let onAck = () => {};
    let started = 0;
    let kills = 0;
    const startWriter = () => {
      const child = spawn(
        process.execPath,
        [path.join(ROOT, 'test/e2e/vault-writer.mjs'), box.vault, `W${started++}`],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      let pending = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('ack ')) acknowledged.add(line.slice(4));
        onAck();
      });
      child.stdin?.end(Buffer.from(key).toString('hex'));
      writers.add(child);
    };
    const kill = async (child: ChildProcess) => {
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGKILL');
      await closed;
      writers.delete(child);
      kills++;
    };
    // Eight writers contend for the lock. Paced by their progress, not by the clock: after
    // an acknowledgement, at a random instant within the next write, either the writer the
    // lock names is killed (inside its write), or any writer (before or after its write).
    while (acknowledged.size < 300) {
      while (writers.size < 8) startWriter();
      await new Promise<void>((resolve) => (onAck = resolve));
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      const holder = lockHolder(`${box.vault}.lock`);
      const all = [...writers];
      const roll = Math.random();
      if (roll < 0.15) await kill(all.find((c) => c.pid === holder) ?? all[0]);
      else if (roll < 0.2) await kill(all[Math.floor(Math.random() * all.length)]);
    }
    await Promise.all([...writers].map(kill));
    const stored = (await openVault(readVaultFile(box.vault), key)).secrets;
    const lost = [...acknowledged].filter((name) => stored[name]?.value !== `value-of-${name}`);
    console.log(
      `lock holders killed at random: ${started} writers, ${kills} killed, ${acknowledged.size} writes acknowledged, ${lost.length} lost`,
    );
    expect(lost).toEqual([]);
    await box.set('AFTER', 'after-value'); // and the vault is still writable
  }, 240_000);

  it('refuses a vault readable by others, or one that is a symbolic link, before any prompt', async () => {
    fs.chmodSync(box.vault, 0o644);
    let r = await box.run(['get', 'A'], { env: { KAMAL_SECRET_PASSPHRASE: undefined } });
    expect(r.stderr).toBe(
      `kamal-secret: refusing the vault file ${box.vault}: other users can read it; fix: chmod 600 ${box.vault}\n`,
    );
    expect(r.code).toBe(1);
    fs.chmodSync(box.vault, 0o600);
    const real = box.path('data/real.json');
    fs.renameSync(box.vault, real);
    fs.symlinkSync(real, box.vault);
    r = await box.run(['set', 'A'], { input: 'a-value' });
    expect(r.stderr).toBe(
      `kamal-secret: refusing the vault ${box.vault}: it is a symbolic link (to ${real}), which the next write would replace with a file; set KAMAL_SECRET_VAULT=${real}\n`,
    );
    expect(r.code).toBe(1);
    expect(fs.readlinkSync(box.vault)).toBe(real);
  });

  for (const [mode, env] of [
    ['in-process', {}],
    ['through the agent', { KAMAL_SECRET_NO_AGENT: undefined }],
  ] as const) {
    it(`keeps the previous version as vault.json.bak, and warns when it is put back (${mode})`, async () => {
      Object.assign(box.env, env);
      await box.set('A', 'first-value'); // write 2 (init was write 1)
      await box.set('A', 'second-value'); // write 3; vault.json.bak is write 2
      fs.copyFileSync(`${box.vault}.bak`, box.vault);
      const warning = `kamal-secret: warning: the vault ${box.vault} went back in time: it holds write 2, and this machine has seen write 3 of it (was an older copy or ${box.vault}.bak put in its place?); the next write carries on from write 3\n`;
      for (let i = 0; i < 2; i++)
        expect(await box.run(['get', 'A'])).toMatchObject({ stdout: 'first-value\n', stderr: warning, code: 0 });
      expect(await box.run(['set', 'B'], { input: 'b-value-12345' })).toMatchObject({
        stdout: 'created B\n',
        stderr: warning,
        code: 0,
      });
      expect(await box.run(['get', 'A'])).toMatchObject({ stdout: 'first-value\n', stderr: '', code: 0 });
    });
  }
});

/** The pid that the vault's lock names, if any: the link's target (or an older version's lock file) holds it. */
function lockHolder(lockPath: string): number | undefined {
  const read = (f: (p: string) => string) => {
    try {
      return f(lockPath);
    } catch {
      return '';
    }
  };
  const text = read(fs.readlinkSync) || read((p) => fs.readFileSync(p, 'utf8'));
  return Number(/\d+/.exec(text)?.[0]) || undefined;
}

/** Why a tmpfs cannot be mounted here (CI runs as root), or '' when it can. */
function tmpfsRefusal(): string {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe]);
    return '';
  } catch (err) {
    return `mount -t tmpfs is not permitted here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  } finally {
    fs.rmdirSync(probe);
  }
}

const noTmpfs = tmpfsRefusal();

describe.skipIf(noTmpfs)(`a full disk${noTmpfs && ` (skipped: ${noTmpfs})`}`, () => {
  let disk: string;
  beforeEach(() => {
    box = new Sandbox();
    disk = box.path('disk');
    fs.mkdirSync(disk);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=700', 'tmpfs', disk]);
  });
  afterEach(async () => {
    await box.run(['agent', 'stop']); // its log is on the disk
    execFileSync('umount', [disk]);
    await box.cleanup();
  });

  /** Fill the disk until only `leave` bytes are free. */
  function fill(leave: number): void {
    const filler = path.join(disk, 'filler');
    const { bavail, bsize } = fs.statfsSync(disk);
    const size = fs.existsSync(filler) ? fs.statSync(filler).size : 0;
    fs.writeFileSync(filler, Buffer.alloc(Math.max(0, size + bavail * bsize - leave)));
  }

  for (const [mode, env] of [
    ['in-process', { KAMAL_SECRET_NO_AGENT: '1' }],
    ['through the agent', { KAMAL_SECRET_NO_AGENT: undefined }],
  ] as const) {
    it(`${mode}: set fails in one line, the vault stays as it was, and works again with room`, async () => {
      Object.assign(box.env, env, { KAMAL_SECRET_VAULT: path.join(disk, 'data', 'vault.json') });
      const vault = box.env.KAMAL_SECRET_VAULT as string;
      await box.init();
      box.write({ 'big.txt': randomBytes(75 * 1024).toString('base64') }); // a vault of about 135 KB
      await box.set('BIG', '', ['--file', box.path('big.txt')]);
      const before = { vault: fs.readFileSync(vault), backup: fs.readFileSync(`${vault}.bak`) };

      // Room for part of the new vault (a short write), then for nothing at all.
      for (const leave of [64 * 1024, 0]) {
        fill(leave);
        const r = await box.run(['set', 'BIG2', '--file', box.path('big.txt')]);
        expect({ leave, stdout: r.stdout, stderr: r.stderr, code: r.code }).toEqual({
          leave,
          stdout: '',
          stderr: `kamal-secret: cannot write ${vault}: the disk is full; it was left as it was; free some space and run the command again\n`,
          code: 1,
        });
        expect(fs.readFileSync(vault)).toEqual(before.vault);
        expect(fs.readFileSync(`${vault}.bak`)).toEqual(before.backup);
        expect(fs.readdirSync(path.dirname(vault)).filter((f) => f.endsWith('.tmp') || f.includes('.lock'))).toEqual(
          [],
        );
      }
      expect((await box.run(['get', 'BIG'])).stdout).toBe(`${fs.readFileSync(box.path('big.txt'), 'utf8')}\n`);

      fs.rmSync(path.join(disk, 'filler'));
      expect((await box.run(['set', 'BIG2', '--file', box.path('big.txt')])).stdout).toBe('created BIG2\n');
    });
  }
});
