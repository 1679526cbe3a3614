// A member's identity: one X25519 key pair, written as age writes it, so that
// `age-keygen` output and kamal-secret identities are interchangeable:
//   identity   AGE-SECRET-KEY-1…  Bech32 of the 32 secret bytes, upper case (kept in the personal vault)
//   recipient  age1…              Bech32 of the 32-byte public key (shared; in the team file)
// The same key pair signs (XEdDSA, see xeddsa.ts), so the recipient is the only
// public thing a member ever hands out.

import { UsageError } from '../errors.js';
import { sodium } from '../vault/crypto.js';
import { bech32Decode, bech32Encode } from './bech32.js';
import { verifyingKey } from './xeddsa.js';

const IDENTITY_HRP = 'age-secret-key-';
const RECIPIENT_HRP = 'age';

export interface Identity {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  /** `age1…` */
  readonly recipient: string;
}

/** A public key that can receive scope keys and verify signatures. */
export interface Recipient {
  readonly recipient: string;
  readonly publicKey: Uint8Array;
  /** The Ed25519 form of publicKey, which verifies the member's XEdDSA signatures. */
  readonly verifyingKey: Uint8Array;
}

/** A new identity, as `AGE-SECRET-KEY-1…` (what the personal vault stores). */
export async function generateIdentity(): Promise<string> {
  const s = await sodium();
  const secret = s.randombytes_buf(32);
  const text = bech32Encode(IDENTITY_HRP, secret).toUpperCase();
  s.memzero(secret);
  return text;
}

/** Reads an identity: one `AGE-SECRET-KEY-1…` line, or an age-keygen file (its # comments skipped). */
export async function parseIdentity(text: string): Promise<Identity> {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const decoded = lines.length === 1 && lines[0] === lines[0].toUpperCase() ? bech32Decode(lines[0]) : null;
  if (!decoded || decoded.hrp !== IDENTITY_HRP || decoded.bytes.length !== 32)
    throw new UsageError('not an age X25519 identity: expected one AGE-SECRET-KEY-1… line');
  const publicKey = (await sodium()).crypto_scalarmult_base(decoded.bytes);
  return { secretKey: decoded.bytes, publicKey, recipient: bech32Encode(RECIPIENT_HRP, publicKey) };
}

/** Reads an `age1…` recipient; null when it is not one an X25519 identity can own. */
export async function parseRecipient(text: string): Promise<Recipient | null> {
  const decoded = bech32Decode(text);
  if (!decoded || decoded.hrp !== RECIPIENT_HRP || decoded.bytes.length !== 32 || text !== text.toLowerCase())
    return null;
  const edwards = await verifyingKey(decoded.bytes);
  return edwards && { recipient: text, publicKey: decoded.bytes, verifyingKey: edwards };
}

/** parseRecipient for a recipient a person typed: a usage error saying what is expected. */
export async function requireRecipient(text: string): Promise<Recipient> {
  const recipient = await parseRecipient(text);
  if (!recipient)
    throw new UsageError(
      `"${text}" is not an age X25519 recipient`,
      'give the age1… line that `kamal-secret identity` (or age-keygen) prints',
    );
  return recipient;
}
