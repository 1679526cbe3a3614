// The vault on disk, through the store itself: which files it refuses, and that a refused
// vault is left exactly as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newHeader, openVault, randomKey } from '../../src/vault/crypto.js';
import type { Header } from '../../src/vault/format.js';
import { emptyPayload } from '../../src/vault/secrets.js';
import { createVault, decryptPayload, readVaultFile, updateVault } from '../../src/vault/store.js';

let key: Uint8Array;
let header: Header;
beforeAll(async () => {
  key = await randomKey();
  header = await newHeader(key, 'store test passphrase');
});

let dir: string;
let vault: string;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-store-'));
  vault = path.join(dir, 'data', 'vault.json');
  await createVault(vault, header, key, emptyPayload());
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (warn?: (line: string) => void) =>
  updateVault(
    vault,
    key,
    (payload) => {
      payload.secrets.X = { value: 'x', created_at: 't', updated_at: 't' };
      return { payload, result: undefined };
    },
    warn,
  );

const writeCount = async () => (await openVault(readVaultFile(vault), key)).write_count;
const seen = () => JSON.parse(fs.readFileSync(`${vault}.seen`, 'utf8'));

describe('vault permissions', () => {
  for (const mode of [0o644, 0o640, 0o604]) {
    it(`refuses a vault file others can read (${mode.toString(8)}), for reads and writes alike`, async () => {
      fs.chmodSync(vault, mode);
      const before = fs.readFileSync(vault);
      const message = `refusing the vault file ${vault}: other users can read it; fix: chmod 600 ${vault}`;
      expect(() => readVaultFile(vault)).toThrow(message);
      await expect(write()).rejects.toThrow(message);
      expect(fs.readFileSync(vault)).toEqual(before);
    });
  }

  it('refuses a vault file others can write, and a directory others can write', async () => {
    fs.chmodSync(vault, 0o602);
    expect(() => readVaultFile(vault)).toThrow(/other users can write it; fix: chmod 600/);
    fs.chmodSync(vault, 0o600);
    fs.chmodSync(path.dirname(vault), 0o757);
    expect(() => readVaultFile(vault)).toThrow(/refusing the vault directory .*: other users can write it/);
  });

  it('refuses a vault that is a symbolic link, and leaves the link and its target as they were', async () => {
    const real = path.join(dir, 'data', 'real.json');
    fs.renameSync(vault, real);
    fs.symlinkSync('real.json', vault);
    const before = fs.readFileSync(real);
    const refusal = `refusing the vault ${vault}: it is a symbolic link (to real.json), which the next write would replace with a file`;
    expect(() => readVaultFile(vault)).toThrow(refusal);
    await expect(write()).rejects.toThrow(refusal);
    await expect(write()).rejects.toMatchObject({ fix: `set KAMAL_SECRET_VAULT=${real}`, code: 'vault_permissions' });
    expect(fs.readlinkSync(vault)).toBe('real.json');
    expect(fs.readFileSync(real)).toEqual(before);
  });
});

describe('write count (a vault that goes back in time)', () => {
  it('counts every write inside the payload, and remembers the highest beside the vault', async () => {
    expect(await writeCount()).toBe(1);
    await write();
    await write();
    expect(await writeCount()).toBe(3);
    expect(seen()).toEqual({ vault_id: header.vault_id, write_count: 3 });
  });

  it('warns when an older copy is opened or written, and the write carries on past the highest count', async () => {
    await write();
    const older = fs.readFileSync(vault);
    await write();
    fs.writeFileSync(vault, older);
    const heard: string[] = [];
    await decryptPayload(vault, readVaultFile(vault), key, (line) => heard.push(line));
    expect(heard).toEqual([
      `the vault ${vault} went back in time: it holds write 2, and this machine has seen write 3 of it (was an older copy or ${vault}.bak put in its place?); the next write carries on from write 3`,
    ]);
    await write((line) => heard.push(line));
    expect(heard).toHaveLength(2);
    expect(await writeCount()).toBe(4);
    await decryptPayload(vault, readVaultFile(vault), key, (line) => heard.push(line));
    expect(heard).toHaveLength(2);
  });

  it('takes a newer vault as it is, and another vault at the same path as a new one', async () => {
    fs.writeFileSync(
      `${vault}.seen`,
      JSON.stringify({ vault_id: '00000000-0000-4000-8000-000000000000', write_count: 9 }),
    );
    const heard: string[] = [];
    await decryptPayload(vault, readVaultFile(vault), key, (line) => heard.push(line));
    expect(heard).toEqual([]);
    expect(seen()).toEqual({ vault_id: header.vault_id, write_count: 1 });
  });

  it('never fails a read or a write over a record it cannot keep', async () => {
    fs.rmSync(`${vault}.seen`);
    fs.mkdirSync(`${vault}.seen`); // where the record goes, something it cannot replace
    await write();
    expect(await writeCount()).toBe(2);
    await expect(decryptPayload(vault, readVaultFile(vault), key)).resolves.toBeDefined();
  });
});
