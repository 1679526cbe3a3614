// The team vault's cryptography, each operation one libsodium construction:
//   scope key    32 random bytes, one per scope and epoch
//   key check    BLAKE2b-256 keyed by the scope key over keyCheckLabel(scope, epoch):
//                every member of a scope can tell they were all given the same key
//   grant box    crypto_box_seal (ephemeral X25519 + XSalsa20-Poly1305) of a scope key
//                to a member's recipient; who sealed it is proven by the signed log entry
//   value        XChaCha20-Poly1305 under the scope key, fresh 24-byte nonce, valueAd as
//                associated data
//   signature    XEdDSA with the writer's identity (xeddsa.ts)

import { sodium } from '../vault/crypto.js';
import { BYTES, b64u, fromB64u, keyCheckLabel } from './format.js';
import type { Identity } from './identity.js';
import { sign, verify } from './xeddsa.js';

export async function newScopeKey(): Promise<Uint8Array> {
  return (await sodium()).randombytes_buf(32);
}

export async function randomB64u(bytes: number): Promise<string> {
  return b64u((await sodium()).randombytes_buf(bytes));
}

export async function keyCheck(key: Uint8Array, scope: string, epoch: number): Promise<string> {
  return b64u((await sodium()).crypto_generichash(BYTES.check, keyCheckLabel(scope, epoch), key));
}

export async function sealKey(key: Uint8Array, publicKey: Uint8Array): Promise<string> {
  return b64u((await sodium()).crypto_box_seal(key, publicKey));
}

/** The scope key in `box`, or null when it was not sealed to `identity` (or was altered). */
export async function openKey(box: string, identity: Identity): Promise<Uint8Array | null> {
  try {
    return (await sodium()).crypto_box_seal_open(fromB64u(box)!, identity.publicKey, identity.secretKey);
  } catch {
    return null;
  }
}

export async function encryptValue(value: string, key: Uint8Array, ad: string): Promise<string> {
  const s = await sodium();
  const nonce = s.randombytes_buf(BYTES.valueNonce);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(value, ad, null, nonce, key);
  return b64u(new Uint8Array([...nonce, ...ciphertext]));
}

/** The value, or null when the key is not the one it was sealed with or a byte changed. */
export async function decryptValue(sealed: string, key: Uint8Array, ad: string): Promise<string | null> {
  const s = await sodium();
  const bytes = fromB64u(sealed)!;
  try {
    const plain = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      bytes.subarray(BYTES.valueNonce),
      ad,
      bytes.subarray(0, BYTES.valueNonce),
      key,
    );
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return null;
  }
}

export async function signMessage(identity: Identity, message: Uint8Array): Promise<string> {
  return b64u(await sign(identity.secretKey, message));
}

export async function verifyMessage(verifyingKey: Uint8Array, message: Uint8Array, sig: string): Promise<boolean> {
  const signature = fromB64u(sig);
  return !!signature && (await verify(verifyingKey, message, signature));
}
