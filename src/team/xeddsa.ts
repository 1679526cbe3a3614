// XEdDSA (Signal's "The XEdDSA and VXEdDSA Signature Schemes", rev. 1, 2016): signatures
// made with an X25519 key, so that a member's one age recipient both receives scope
// keys and verifies what the member wrote. A signature is an ordinary Ed25519
// signature under the Edwards form of the recipient (sign bit 0), so verifying is
// libsodium's crypto_sign_verify_detached; only signing needs the steps below.

import { sodium } from '../vault/crypto.js';

const P = 2n ** 255n - 19n;
/** hash1's prefix: 2^256 - 2, little-endian (XEdDSA §2.5, hash_i with i = 1). */
const HASH1_PREFIX = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0xfe : 0xff));

const toBigInt = (le: Uint8Array) => le.reduceRight((n, byte) => (n << 8n) | BigInt(byte), 0n);
const toBytes = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));

function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  for (let b = base % P, e = exponent; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) result = (result * b) % P;
  return result;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The Ed25519 public key that verifies `u`'s signatures: XEdDSA's convert_mont,
 * y = (u - 1) / (u + 1) with sign bit 0. Null when `u` is not a usable X25519 public
 * key (u >= p, or a point of small order or off the prime-order subgroup).
 */
export async function verifyingKey(u: Uint8Array): Promise<Uint8Array | null> {
  const x = toBigInt(u);
  if (u.length !== 32 || x >= P || x + 1n === P) return null;
  const y = toBytes((((x - 1n + P) % P) * modPow(x + 1n, P - 2n)) % P);
  return (await sodium()).crypto_core_ed25519_is_valid_point(y) ? y : null;
}

/** XEdDSA's xeddsa_sign with 64 fresh random bytes Z. `secretKey` is the raw X25519 key (clamped here). */
export async function sign(secretKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const s = await sodium();
  // calculate_key_pair: the clamped scalar k, E = kB; A is E with sign bit 0, a is k or -k to match.
  const wide = new Uint8Array(64);
  wide.set(secretKey);
  wide[0] &= 248;
  wide[31] = (wide[31] & 127) | 64;
  let a = s.crypto_core_ed25519_scalar_reduce(wide);
  const A = s.crypto_scalarmult_ed25519_base_noclamp(a);
  if (A[31] & 0x80) {
    a = s.crypto_core_ed25519_scalar_negate(a);
    A[31] &= 0x7f;
  }
  const r = s.crypto_core_ed25519_scalar_reduce(
    s.crypto_hash_sha512(concat(HASH1_PREFIX, a, message, s.randombytes_buf(64))),
  );
  const R = s.crypto_scalarmult_ed25519_base_noclamp(r);
  const h = s.crypto_core_ed25519_scalar_reduce(s.crypto_hash_sha512(concat(R, A, message)));
  const S = s.crypto_core_ed25519_scalar_add(r, s.crypto_core_ed25519_scalar_mul(h, a));
  for (const secret of [wide, a, r]) s.memzero(secret);
  return concat(R, S);
}

/** Whether `signature` is `edwardsKey`'s over `message` (libsodium's strict Ed25519 verification). */
export async function verify(edwardsKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== 64) return false;
  return (await sodium()).crypto_sign_verify_detached(signature, message, edwardsKey);
}
