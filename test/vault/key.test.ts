// Unit tests of src/vault/key.ts: a passphrase the header refuses is a wrong passphrase,
// unless vault.json.bak proves the passphrase right; then the header was changed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deriveKey, newHeader, randomKey } from '../../src/vault/crypto.js';
import { type Header, headerDigest, parse, serialize, type VaultFile } from '../../src/vault/format.js';
import { keyFromPassphrase } from '../../src/vault/key.js';
import { LocalSession } from '../../src/vault/session.js';
import { createVault } from '../../src/vault/store.js';

const PASS = 'the right passphrase';
let key: Uint8Array;
let header: Header;
beforeAll(async () => {
  key = await randomKey();
  header = await newHeader(key, PASS);
});

let dir: string;
let vault: string;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-key-'));
  vault = path.join(dir, 'vault.json');
  fs.chmodSync(dir, 0o700);
  await createVault(vault, header, key, { secrets: {} });
  await new LocalSession(vault, new Uint8Array(key)).mutate({ op: 'set', ref: 'A', value: 'a' }); // makes vault.json.bak
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const read = (file = vault) => parse(fs.readFileSync(file, 'utf8'));
/** Change the vault's header as a deliberate edit would: checksum recomputed. */
function editHeader(edit: (h: Header) => void): void {
  const file: VaultFile = read();
  edit(file.header);
  file.header_sha256 = headerDigest(file.header);
  fs.writeFileSync(vault, serialize(file));
}
/** A key derivation that counts its runs. */
function countingDerive() {
  const derive = Object.assign(
    (...args: Parameters<typeof deriveKey>) => {
      derive.runs++;
      return deriveKey(...args);
    },
    { runs: 0 },
  );
  return derive;
}
const unlock = (passphrase: string, derive = countingDerive()) =>
  keyFromPassphrase(vault, read().header, passphrase, derive);

describe('keyFromPassphrase', () => {
  it('opens with the right passphrase', async () => {
    expect(await unlock(PASS)).toEqual(key);
  });

  it('calls a wrong passphrase wrong, deriving once: the backup wraps the key the same way', async () => {
    const derive = countingDerive();
    await expect(unlock('not it', derive)).rejects.toMatchObject({
      message: `wrong passphrase for the vault ${vault}`,
      code: 'wrong_passphrase',
    });
    expect(derive.runs).toBe(1);
  });

  const edits: [string, (h: Header) => void][] = [
    ['kdf.salt', (h) => (h.kdf.salt = Buffer.alloc(16, 7).toString('base64'))],
    ['kdf.opslimit', (h) => (h.kdf.opslimit = 4)],
    ['wrapped_key.ciphertext', (h) => (h.wrapped_key.ciphertext = Buffer.alloc(48, 1).toString('base64'))],
  ];
  for (const [field, edit] of edits) {
    it(`reports a changed header.${field} as damage when the backup proves the passphrase right`, async () => {
      editHeader(edit);
      await expect(unlock(PASS)).rejects.toMatchObject({
        message: expect.stringMatching(
          /is damaged: its header was changed \(the passphrase opens .*vault\.json\.bak, whose key does not open this file\)/,
        ),
        code: 'vault_damaged',
      });
    });
  }

  it('cannot tell a changed header from a wrong passphrase without a backup', async () => {
    editHeader(edits[0][1]);
    fs.rmSync(`${vault}.bak`);
    await expect(unlock(PASS)).rejects.toMatchObject({ code: 'wrong_passphrase' });
  });

  it('names an earlier passphrase as such, when a backup still has it', async () => {
    const earlier = fs.readFileSync(vault);
    await new LocalSession(vault, new Uint8Array(key)).rewrap('the next passphrase');
    fs.writeFileSync(`${vault}.bak`, earlier); // as passwd of an older version left it
    await expect(unlock(PASS)).rejects.toMatchObject({
      message: `wrong passphrase for the vault ${vault} (it is an earlier passphrase of this vault)`,
      code: 'wrong_passphrase',
    });
    expect(await unlock('the next passphrase')).toEqual(key);
  });
});
