// The vault file: its specification is docs/vault-format.md (read them side by side;
// the section numbers below are the document's). One JSON document:
//
//   {
//     "header": {                           §1.1, refused whole when any field is off
//       "format": "kamal-secret-vault",
//       "version": 1,
//       "vault_id": "<uuid>",               names the vault's key in the OS keychain
//       "kdf": { "name": "argon2id", "opslimit": 3, "memlimit": 67108864,
//                "salt": "<base64, 16 bytes>" },       bounds: KDF_LIMITS, §3
//       "wrapped_key": { "nonce": "<base64, 24 bytes>", "ciphertext": "<base64, 48 bytes>" }
//     },
//     "header_sha256": "<hex>",             §1.2, unkeyed: accidental damage only
//     "payload": { "nonce": "<base64, 24 bytes>", "ciphertext": "<base64>" }
//   }
//
// The payload (§4) is sealed under the vault key with the canonical header (§1.4) as
// associated data, so no header field changes undetected; its plaintext is
// { write_count, secrets: { REF: { value | value_base64, created_at, updated_at } } }.
//
// This module only parses and validates; crypto.ts does the sealing.

import { createHash } from 'node:crypto';
import { isBase64, type StoredValue } from '../light/secret-value.js';
import { table } from '../light/tables.js';
import type { TeamMemory } from '../team/verify.js';

export const FORMAT_NAME = 'kamal-secret-vault';
export const FORMAT_VERSION = 1;
export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const SALT_BYTES = 16;
const TAG_BYTES = 16;

const MiB = 1024 * 1024;

/**
 * Argon2id's floor (DESIGN §4) and ceilings that keep a crafted header from costing
 * minutes and gigabytes before the passphrase can even be checked: at most 1 GiB, 16
 * passes, and no more work (memory × passes) than libsodium's strongest preset,
 * crypto_pwhash_*_SENSITIVE (1 GiB × 4). docs/vault-format.md says why.
 */
export const KDF_LIMITS = {
  minOps: 3,
  maxOps: 16,
  minMem: 64 * MiB,
  maxMem: 1024 * MiB,
  maxWork: 4 * 1024 * MiB,
} as const;

export interface KdfParams {
  name: 'argon2id';
  opslimit: number;
  memlimit: number;
  salt: string;
}

export interface Sealed {
  nonce: string;
  ciphertext: string;
}

export interface Header {
  format: typeof FORMAT_NAME;
  version: typeof FORMAT_VERSION;
  vault_id: string;
  kdf: KdfParams;
  wrapped_key: Sealed;
}

export interface VaultFile {
  header: Header;
  header_sha256: string;
  payload: Sealed;
}

/** One secret: its value as text (`value`) or, for bytes that are not text, `value_base64`. */
export type SecretRecord = StoredValue & {
  created_at: string;
  updated_at: string;
};

/** The decrypted payload: every secret, keyed by its full reference. */
export interface Payload {
  /** how many writes made this vault (absent before 0.2: read as 0); see rollback.ts */
  write_count?: number;
  secrets: Record<string, SecretRecord>;
  /** the owner's team identity, `AGE-SECRET-KEY-1…` (docs/team-vault.md §1); created on first need */
  identity?: string;
  /** per app, the team vault its owner joined, as last verified (docs/team-vault.md §7) */
  teams?: Record<string, TeamMemory>;
}

/** A vault file that is not what it should be. `reason` says what, for the error message. */
export class FormatError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Associated data of the payload: the whole header. */
export const payloadAd = (h: Header) => canonicalJson(h);

/** Associated data of the wrapped key: a fixed label for domain separation. */
export const WRAPPED_KEY_AD = `${FORMAT_NAME}/${FORMAT_VERSION}/wrapped-key`;

export const headerDigest = (h: Header) => createHash('sha256').update(payloadAd(h)).digest('hex');

export function serialize(file: VaultFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parse and validate a vault file's text. Throws FormatError naming the first problem. */
export function parse(text: string): VaultFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FormatError('it is not valid JSON');
  }
  const file = obj(doc, 'the document');
  const header = obj(file.header, 'header');
  if (header.format !== FORMAT_NAME) throw new FormatError('it is not a kamal-secret vault (header.format)');
  if (header.version !== FORMAT_VERSION) {
    throw new FormatError(
      `its format version ${String(header.version)} is not supported (this kamal-secret reads version ${FORMAT_VERSION})`,
    );
  }
  if (typeof header.vault_id !== 'string' || !/^[0-9a-f-]{36}$/.test(header.vault_id))
    throw new FormatError('header.vault_id is malformed');
  const kdf = obj(header.kdf, 'header.kdf');
  if (kdf.name !== 'argon2id') throw new FormatError('header.kdf.name must be argon2id');
  if (!isIntIn(kdf.opslimit, KDF_LIMITS.minOps, KDF_LIMITS.maxOps))
    throw new FormatError(`header.kdf.opslimit must be ${KDF_LIMITS.minOps}..${KDF_LIMITS.maxOps}`);
  if (!isIntIn(kdf.memlimit, KDF_LIMITS.minMem, KDF_LIMITS.maxMem))
    throw new FormatError('header.kdf.memlimit must be 64 MiB..1 GiB');
  if ((kdf.opslimit as number) * (kdf.memlimit as number) > KDF_LIMITS.maxWork)
    throw new FormatError('header.kdf asks for more work than 1 GiB × 4 passes (opslimit × memlimit)');
  base64Field(kdf.salt, 'header.kdf.salt', SALT_BYTES);
  const wrapped = sealed(header.wrapped_key, 'header.wrapped_key', KEY_BYTES + TAG_BYTES);
  const payload = sealed(file.payload, 'payload');
  const result: VaultFile = {
    header: {
      format: FORMAT_NAME,
      version: FORMAT_VERSION,
      vault_id: header.vault_id,
      kdf: {
        name: 'argon2id',
        opslimit: kdf.opslimit as number,
        memlimit: kdf.memlimit as number,
        salt: kdf.salt as string,
      },
      wrapped_key: wrapped,
    },
    header_sha256: String(file.header_sha256),
    payload,
  };
  if (canonicalJson(result.header) !== canonicalJson(header)) throw new FormatError('the header has unknown fields');
  if (result.header_sha256 !== headerDigest(result.header))
    throw new FormatError('the header is damaged (its checksum does not match)');
  return result;
}

export function parsePayload(text: string): Payload {
  const doc = JSON.parse(text) as Payload;
  if (!doc || typeof doc.secrets !== 'object' || Array.isArray(doc.secrets))
    throw new FormatError('the payload has no secrets table');
  if (doc.write_count !== undefined && !isIntIn(doc.write_count, 0, Number.MAX_SAFE_INTEGER))
    throw new FormatError("the payload's write_count is not a count");
  if (doc.identity !== undefined && typeof doc.identity !== 'string')
    throw new FormatError("the payload's identity is not text");
  if (doc.teams !== undefined && (typeof doc.teams !== 'object' || doc.teams === null || Array.isArray(doc.teams)))
    throw new FormatError("the payload's teams is not a table");
  for (const [ref, record] of Object.entries(doc.secrets)) {
    const value = record && typeof record === 'object' ? storedForm(record) : null;
    if (!value)
      throw new FormatError(`the secret ${ref} must hold exactly one of "value" (text) and "value_base64" (base64)`);
  }
  doc.secrets = table(doc.secrets);
  if (doc.teams) doc.teams = table(doc.teams);
  return doc;
}

/** Which form a record's value takes; null when it has neither or both. */
function storedForm(record: Partial<SecretRecord>): 'value' | 'value_base64' | null {
  if (typeof record.value === 'string' && record.value_base64 === undefined) return 'value';
  if (record.value === undefined && typeof record.value_base64 === 'string' && isBase64(record.value_base64))
    return 'value_base64';
  return null;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FormatError(`${what} is missing or not an object`);
  return v as Record<string, unknown>;
}

function isIntIn(v: unknown, min: number, max: number): boolean {
  return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
}

function base64Field(v: unknown, what: string, bytes?: number): string {
  if (typeof v !== 'string' || !isBase64(v)) throw new FormatError(`${what} is not base64`);
  if (bytes !== undefined && Buffer.from(v, 'base64').length !== bytes)
    throw new FormatError(`${what} must be ${bytes} bytes`);
  return v;
}

/** Bytes a valid base64 string decodes to, without decoding it (the payload can be megabytes). */
const decodedLength = (b64: string) => (b64.length / 4) * 3 - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);

function sealed(v: unknown, what: string, ciphertextBytes?: number): Sealed {
  const o = obj(v, what);
  const nonce = base64Field(o.nonce, `${what}.nonce`, NONCE_BYTES);
  const ciphertext = base64Field(o.ciphertext, `${what}.ciphertext`, ciphertextBytes);
  if (decodedLength(ciphertext) < TAG_BYTES) throw new FormatError(`${what}.ciphertext is too short`);
  return { nonce, ciphertext };
}
