// Unit tests of the vault format and its sealing.
import { describe, expect, it } from 'vitest';
import { DecryptError, newHeader, openVault, randomKey, sealVault, unwrapKey } from '../../src/vault/crypto.js';
import {
  canonicalJson,
  FormatError,
  headerDigest,
  parse,
  parsePayload,
  serialize,
  type VaultFile,
} from '../../src/vault/format.js';

const payload = { secrets: { A: { value: 'v', created_at: 't', updated_at: 't' } } };

async function fresh(): Promise<{ key: Uint8Array; file: VaultFile }> {
  const key = await randomKey();
  return { key, file: await sealVault(await newHeader(key, 'pass phrase'), key, payload) };
}

describe('vault format', () => {
  it('round-trips through serialize, parse, unwrap and open', async () => {
    const { file } = await fresh();
    const back = parse(serialize(file));
    const key = await unwrapKey(back.header, 'pass phrase');
    expect(await openVault(back, key)).toEqual(payload);
  });

  it('uses Argon2id with at least 64 MiB and 3 passes, stored in the header', async () => {
    const { file } = await fresh();
    expect(file.header.kdf).toMatchObject({ name: 'argon2id', opslimit: 3, memlimit: 64 * 1024 * 1024 });
  });

  it('draws a fresh nonce on every write', async () => {
    const key = await randomKey();
    const header = await newHeader(key, 'pass phrase');
    const nonces = new Set<string>();
    for (let i = 0; i < 20; i++) nonces.add((await sealVault(header, key, payload)).payload.nonce);
    expect(nonces.size).toBe(20);
  });

  it('refuses a wrong passphrase', async () => {
    const { file } = await fresh();
    await expect(unwrapKey(file.header, 'not it')).rejects.toBeInstanceOf(DecryptError);
  });

  // Each header field, changed with its checksum recomputed (a deliberate edit):
  // the payload's associated data must still catch it.
  const edits: Record<string, (f: VaultFile) => void> = {
    vault_id: (f) => (f.header.vault_id = '00000000-0000-4000-8000-000000000000'),
    'kdf.opslimit': (f) => (f.header.kdf.opslimit = 4),
    'kdf.memlimit': (f) => (f.header.kdf.memlimit = 128 * 1024 * 1024),
    'kdf.salt': (f) => (f.header.kdf.salt = Buffer.alloc(16, 7).toString('base64')),
    'wrapped_key.nonce': (f) => (f.header.wrapped_key.nonce = Buffer.alloc(24, 1).toString('base64')),
    'wrapped_key.ciphertext': (f) => (f.header.wrapped_key.ciphertext = Buffer.alloc(48, 1).toString('base64')),
  };
  for (const [field, edit] of Object.entries(edits)) {
    it(`detects a change of header.${field}`, async () => {
      const { key, file } = await fresh();
      const tampered = structuredClone(file);
      edit(tampered);
      tampered.header_sha256 = headerDigest(tampered.header);
      await expect(openVault(parse(serialize(tampered)), key)).rejects.toBeInstanceOf(DecryptError);
    });
  }

  it('detects accidental header damage by its checksum', async () => {
    const { file } = await fresh();
    const damaged = structuredClone(file);
    damaged.header.vault_id = '00000000-0000-4000-8000-000000000000';
    expect(() => parse(serialize(damaged))).toThrow(FormatError);
  });

  // A crafted header must not cost minutes and gigabytes: refused by the parser, before
  // any key derivation. Each case with its checksum recomputed, as a deliberate edit would.
  const MiB = 1024 * 1024;
  const costs: [string, number, number, RegExp][] = [
    ['2 GiB of memory', 3, 2048 * MiB, /memlimit must be 64 MiB\.\.1 GiB/],
    ['64 passes', 64, 64 * MiB, /opslimit must be 3\.\.16/],
    ['more work than 1 GiB × 4 passes', 16, 512 * MiB, /more work than 1 GiB × 4 passes/],
    ['less memory than 64 MiB', 3, 8 * MiB, /memlimit must be 64 MiB\.\.1 GiB/],
    ['fewer passes than 3', 1, 64 * MiB, /opslimit must be 3\.\.16/],
  ];
  for (const [what, opslimit, memlimit, message] of costs) {
    it(`refuses a header asking for ${what}`, async () => {
      const { file } = await fresh();
      const edited = structuredClone(file);
      edited.header.kdf = { ...edited.header.kdf, opslimit, memlimit };
      edited.header_sha256 = headerDigest(edited.header);
      expect(() => parse(serialize(edited))).toThrow(message);
    });
  }

  it('accepts the ceilings themselves: 1 GiB × 4 passes, 256 MiB × 16 passes', async () => {
    for (const [opslimit, memlimit] of [
      [4, 1024 * MiB],
      [16, 256 * MiB],
    ]) {
      const { file } = await fresh();
      file.header.kdf = { ...file.header.kdf, opslimit, memlimit };
      file.header_sha256 = headerDigest(file.header);
      expect(parse(serialize(file)).header.kdf).toMatchObject({ opslimit, memlimit });
    }
  });

  it('reads records holding text (value) or bytes (value_base64), and refuses one with neither or both', () => {
    const t = { created_at: 'a', updated_at: 'b' };
    const ok = { secrets: { A: { value: 'x', ...t }, B: { value_base64: '/w==', ...t } } };
    expect(parsePayload(JSON.stringify(ok))).toEqual(ok);
    for (const bad of [{ ...t }, { value: 'x', value_base64: '/w==', ...t }, { value_base64: 'not base64', ...t }]) {
      expect(() => parsePayload(JSON.stringify({ secrets: { A: bad } }))).toThrow(
        'the secret A must hold exactly one of "value" (text) and "value_base64" (base64)',
      );
    }
  });

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[2,{"e":2,"f":1}]},"b":1}',
    );
  });
});
