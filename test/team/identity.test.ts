// Identities and recipients in age's encoding, and XEdDSA signatures made with them.
// The real `age` and `age-keygen` (Debian's; AGE_BIN / AGE_KEYGEN_BIN override) prove
// that the encodings and the key derivation are age's own.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bech32Decode, bech32Encode } from '../../src/team/bech32.js';
import { generateIdentity, parseIdentity, parseRecipient, requireRecipient } from '../../src/team/identity.js';
import { sign, verify } from '../../src/team/xeddsa.js';

const AGE = process.env.AGE_BIN ?? 'age';
const AGE_KEYGEN = process.env.AGE_KEYGEN_BIN ?? 'age-keygen';

function runs(bin: string, args: string[]): boolean {
  try {
    execFileSync(bin, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveAge = runs(AGE, ['--version']) && runs(AGE_KEYGEN, ['--version']);
const ageMissing = haveAge ? '' : ` (skipped: ${AGE} and ${AGE_KEYGEN} not found; apt-get install age, or set AGE_BIN)`;

const bytes = (text: string) => new TextEncoder().encode(text);

describe('identities', () => {
  it('are AGE-SECRET-KEY-1… lines whose recipient is age1…', async () => {
    const text = await generateIdentity();
    expect(text).toMatch(/^AGE-SECRET-KEY-1[02-9ACDEFGHJKLMNPQRSTUVWXYZ]{58}$/);
    const identity = await parseIdentity(text);
    expect(identity.recipient).toMatch(/^age1[02-9ac-hj-np-z]{58}$/);
    expect((await parseRecipient(identity.recipient))?.publicKey).toEqual(identity.publicKey);
  });

  it('refuses what is not one identity line', async () => {
    const text = await generateIdentity();
    const flipped = `${text.slice(0, 20)}${text[20] === 'Q' ? 'P' : 'Q'}${text.slice(21)}`;
    for (const bad of [text.toLowerCase(), flipped, `${text}\n${text}`, (await parseIdentity(text)).recipient, ''])
      await expect(parseIdentity(bad)).rejects.toThrow(/not an age X25519 identity/);
  });
});

describe('recipients', () => {
  it('refuses mixed case, a bad checksum, an identity, and keys XEdDSA cannot verify with', async () => {
    const { recipient } = await parseIdentity(await generateIdentity());
    const p = 2n ** 255n - 19n;
    const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    const bad = [
      recipient.toUpperCase(),
      `${recipient.slice(0, -1)}${recipient.endsWith('q') ? 'p' : 'q'}`,
      `${recipient.slice(0, 10)}A${recipient.slice(11)}`,
      await generateIdentity(),
      bech32Encode('age', new Uint8Array(31)),
      bech32Encode('age', new Uint8Array(32)), // u = 0: small order
      bech32Encode('age', le(1n)), // small order
      bech32Encode('age', le(p - 1n)), // u + 1 = 0
      bech32Encode('age', le(p + 1n)), // not reduced
    ];
    for (const text of bad) expect(await parseRecipient(text), text).toBeNull();
    await expect(requireRecipient('age1nope')).rejects.toThrow(/is not an age X25519 recipient/);
  });

  it('round-trips bech32 and rejects any one changed character', () => {
    const data = crypto.randomBytes(32);
    const text = bech32Encode('age', data);
    expect(bech32Decode(text)).toEqual({ hrp: 'age', bytes: new Uint8Array(data) });
    expect(bech32Decode(text.toUpperCase())).toEqual({ hrp: 'age', bytes: new Uint8Array(data) });
    for (const at of [4, 30, text.length - 1]) {
      const changed = `${text.slice(0, at)}${text[at] === 'q' ? 'p' : 'q'}${text.slice(at + 1)}`;
      expect(bech32Decode(changed)).toBeNull();
    }
  });
});

describe(`age interoperates with our identities${ageMissing}`, () => {
  it.skipIf(!haveAge)('age encrypts to our recipient and decrypts with our identity', async () => {
    const text = await generateIdentity();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-age-'));
    try {
      fs.writeFileSync(path.join(dir, 'key.txt'), `${text}\n`, { mode: 0o600 });
      const { recipient } = await parseIdentity(text);
      const sealed = execFileSync(AGE, ['-r', recipient], { input: 'to our recipient' });
      expect(execFileSync(AGE, ['-d', '-i', path.join(dir, 'key.txt')], { input: sealed }).toString()).toBe(
        'to our recipient',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!haveAge)("reads age-keygen's identity file and derives the recipient it printed", async () => {
    const file = execFileSync(AGE_KEYGEN, [], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    const printed = /# public key: (age1\S+)/.exec(file)![1];
    const identity = await parseIdentity(file);
    expect(identity.recipient).toBe(printed);
    expect(await parseRecipient(printed)).not.toBeNull();
  });
});

describe('XEdDSA signatures', () => {
  it('verify with the recipient alone, for either sign of the Edwards key', async () => {
    // 32 identities: the signer negates its scalar for about half of them.
    for (let i = 0; i < 32; i++) {
      const identity = await parseIdentity(await generateIdentity());
      const { verifyingKey } = (await parseRecipient(identity.recipient))!;
      const signature = await sign(identity.secretKey, bytes(`message ${i}`));
      expect(await verify(verifyingKey, bytes(`message ${i}`), signature)).toBe(true);
    }
  });

  it('are plain Ed25519 signatures: OpenSSL verifies them under the converted key', async () => {
    const identity = await parseIdentity(await generateIdentity());
    const { verifyingKey } = (await parseRecipient(identity.recipient))!;
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), verifyingKey]);
    const key = crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const signature = await sign(identity.secretKey, bytes('hello'));
    expect(crypto.verify(null, bytes('hello'), key, signature)).toBe(true);
    expect(crypto.verify(null, bytes('hellp'), key, signature)).toBe(false);
  });

  it('fail for another message, another key, or a changed signature', async () => {
    const alice = await parseIdentity(await generateIdentity());
    const bob = await parseIdentity(await generateIdentity());
    const aliceKey = (await parseRecipient(alice.recipient))!.verifyingKey;
    const bobKey = (await parseRecipient(bob.recipient))!.verifyingKey;
    const signature = await sign(alice.secretKey, bytes('m'));
    expect(await verify(aliceKey, bytes('n'), signature)).toBe(false);
    expect(await verify(bobKey, bytes('m'), signature)).toBe(false);
    for (const at of [0, 31, 32, 63]) {
      const changed = Uint8Array.from(signature);
      changed[at] ^= 1;
      expect(await verify(aliceKey, bytes('m'), changed)).toBe(false);
    }
    expect(await verify(aliceKey, bytes('m'), signature.subarray(0, 63))).toBe(false);
  });

  it('are randomized: two signatures of one message differ', async () => {
    const alice = await parseIdentity(await generateIdentity());
    const [a, b] = [await sign(alice.secretKey, bytes('m')), await sign(alice.secretKey, bytes('m'))];
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});
