// Sealing and opening the vault with libsodium: Argon2id for the passphrase key,
// XChaCha20-Poly1305 (IETF) for the wrapped key and the payload.

import { randomUUID } from 'node:crypto';
import type sodiumModule from 'libsodium-wrappers-sumo';
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  type Header,
  headerDigest,
  type KdfParams,
  KEY_BYTES,
  NONCE_BYTES,
  type Payload,
  parsePayload,
  payloadAd,
  SALT_BYTES,
  type Sealed,
  type VaultFile,
  WRAPPED_KEY_AD,
} from './format.js';

export const DEFAULT_KDF: { opslimit: number; memlimit: number } = { opslimit: 3, memlimit: 64 * 1024 * 1024 };

let sodiumReady: Promise<typeof sodiumModule> | undefined;
/** libsodium, loaded on first use: commands served by the agent never pay for it. */
export function sodium(): Promise<typeof sodiumModule> {
  sodiumReady ??= import('libsodium-wrappers-sumo').then(async ({ default: s }) => {
    await s.ready;
    return s;
  });
  return sodiumReady;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const unb64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** Thrown when an AEAD tag does not verify: wrong key, or altered bytes. */
export class DecryptError extends Error {}

export async function randomKey(): Promise<Uint8Array> {
  return (await sodium()).randombytes_buf(KEY_BYTES);
}

export async function deriveKey(passphrase: string, kdf: KdfParams): Promise<Uint8Array> {
  const s = await sodium();
  return s.crypto_pwhash(
    KEY_BYTES,
    passphrase,
    unb64(kdf.salt),
    kdf.opslimit,
    kdf.memlimit,
    s.crypto_pwhash_ALG_ARGON2ID13,
  );
}

async function seal(plaintext: Uint8Array | string, ad: string, key: Uint8Array): Promise<Sealed> {
  const s = await sodium();
  const nonce = s.randombytes_buf(NONCE_BYTES);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
  return { nonce: b64(nonce), ciphertext: b64(ciphertext) };
}

async function open(sealed: Sealed, ad: string, key: Uint8Array): Promise<Uint8Array> {
  const s = await sodium();
  try {
    return s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, unb64(sealed.ciphertext), ad, unb64(sealed.nonce), key);
  } catch {
    throw new DecryptError('authentication failed');
  }
}

/** A new header for `vaultKey`, wrapped under `passphrase` with a fresh salt. */
export async function newHeader(
  vaultKey: Uint8Array,
  passphrase: string,
  vaultId: string = randomUUID(),
  kdfCost = DEFAULT_KDF,
): Promise<Header> {
  const s = await sodium();
  const kdf: KdfParams = { name: 'argon2id', ...kdfCost, salt: b64(s.randombytes_buf(SALT_BYTES)) };
  const header: Header = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    vault_id: vaultId,
    kdf,
    wrapped_key: { nonce: '', ciphertext: '' },
  };
  const passKey = await deriveKey(passphrase, kdf);
  header.wrapped_key = await seal(vaultKey, WRAPPED_KEY_AD, passKey);
  s.memzero(passKey);
  return header;
}

/** The vault key, from the passphrase. Throws DecryptError for a wrong passphrase. */
export type Derive = typeof deriveKey;

export async function unwrapKey(header: Header, passphrase: string, derive: Derive = deriveKey): Promise<Uint8Array> {
  const passKey = await derive(passphrase, header.kdf);
  try {
    return await open(header.wrapped_key, WRAPPED_KEY_AD, passKey);
  } finally {
    (await sodium()).memzero(passKey);
  }
}

export async function sealVault(header: Header, vaultKey: Uint8Array, payload: Payload): Promise<VaultFile> {
  const payloadSealed = await seal(JSON.stringify(payload), payloadAd(header), vaultKey);
  return { header, header_sha256: headerDigest(header), payload: payloadSealed };
}

/** The payload of `file`. Throws DecryptError when the key is wrong or any byte was altered. */
export async function openVault(file: VaultFile, vaultKey: Uint8Array): Promise<Payload> {
  const plain = await open(file.payload, payloadAd(file.header), vaultKey);
  return parsePayload(Buffer.from(plain).toString('utf8'));
}
