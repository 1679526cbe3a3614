// Regenerates the test vectors from the built code: `npm run build && node test/vectors/make-vectors.mjs`.
// Each vector is a header of `key: value` lines, a blank line, then the vault file,
// byte for byte (the format of age's test vectors). docs/vault-format.md lists the keys;
// `expect:` is the outcome every reader must reach. Each fail_ vector is one specific
// change to good_simple. good_written_by_0_1 is not made here: it is a vault that
// kamal-secret 0.1 wrote, kept as it was.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newHeader, randomKey, sealVault } from '../../dist/vault/crypto.js';
import { headerDigest, serialize } from '../../dist/vault/format.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const PASS = 'vector passphrase';
const at = '2026-01-01T00:00:00.000Z';
const rec = (value) => ({ value, created_at: at, updated_at: at });
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x61, 0x62, 0x63, 0x80]);
const simpleSecrets = { A: rec('global-a'), 'shop/B': rec('shop-b'), 'shop/production/C': rec('pa$word1\nline two') };
const simple = { write_count: 5, secrets: simpleSecrets };
const simpleExpected = JSON.stringify({ A: 'global-a', 'shop/B': 'shop-b', 'shop/production/C': 'pa$word1\nline two' });

function write(name, fields, file) {
  const header = Object.entries({ expect: fields.expect, passphrase: PASS, ...fields }).map(([k, v]) => `${k}: ${v}\n`);
  const body = typeof file === 'string' ? file : serialize(file);
  fs.writeFileSync(path.join(dir, `${name}.vector`), `${header.join('')}\n${body}`);
}
const rehash = (file) => ({ ...file, header_sha256: headerDigest(file.header) });
const flip = (b64, index) => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index] ^= 0x01;
  return bytes.toString('base64');
};
const withKdf = (file, kdf) => rehash({ ...file, header: { ...file.header, kdf: { ...file.header.kdf, ...kdf } } });
const MiB = 1024 * 1024;

const key = await randomKey();
const good = await sealVault(await newHeader(key, PASS), key, simple);
const h = good.header;
const damaged = { expect: 'header failure', backup: 'good_simple' };

write('good_simple', { expect: 'success', secrets: simpleExpected, comment: 'three secrets, one per scope' }, good);
write(
  'good_empty',
  { expect: 'success', secrets: '{}', comment: 'no secrets' },
  await sealVault(await newHeader(key, PASS), key, { write_count: 1, secrets: {} }),
);
write(
  'good_kdf_ops_4',
  { expect: 'success', secrets: simpleExpected, comment: 'Argon2id with 4 passes: the parameters come from the header' },
  await sealVault(await newHeader(key, PASS, undefined, { opslimit: 4, memlimit: 64 * MiB }), key, simple),
);
write(
  'good_binary_value',
  {
    expect: 'success',
    secrets: JSON.stringify({ BLOB: { base64: BINARY.toString('base64') }, TEXT: 'text' }),
    comment: 'bytes that are not UTF-8 are stored as value_base64',
  },
  await sealVault(h, key, {
    write_count: 2,
    secrets: { BLOB: { value_base64: BINARY.toString('base64'), created_at: at, updated_at: at }, TEXT: rec('text') },
  }),
);
write(
  'good_rolled_back',
  {
    expect: 'success',
    secrets: simpleExpected,
    seen: 9,
    warning: 'went back in time: it holds write 5, and this machine has seen write 9 of it',
    comment: 'this machine has seen write 9 of this vault; the file holds write 5: read, with a warning',
  },
  good,
);

write('fail_wrong_passphrase', {
  expect: 'wrong passphrase',
  passphrase: 'not the vector passphrase',
  message: 'wrong passphrase for the vault',
  comment: 'good_simple, opened with another passphrase',
}, good);
write(
  'fail_payload_bit_flip',
  { expect: 'payload failure', message: 'is damaged: its contents fail authentication', comment: 'one bit of the payload ciphertext flipped' },
  { ...good, payload: { ...good.payload, ciphertext: flip(good.payload.ciphertext, 5) } },
);
write(
  'fail_payload_nonce_changed',
  { expect: 'payload failure', message: 'is damaged: its contents fail authentication', comment: 'one bit of the payload nonce flipped' },
  { ...good, payload: { ...good.payload, nonce: flip(good.payload.nonce, 0) } },
);
write(
  'fail_payload_from_other_vault',
  {
    expect: 'payload failure',
    message: 'is damaged: its contents fail authentication',
    comment: 'the payload of another vault with the same key: the header is its associated data',
  },
  { ...good, payload: (await sealVault(await newHeader(key, PASS), key, simple)).payload },
);
write(
  'fail_payload_record_malformed',
  {
    expect: 'payload failure',
    message: 'the secret A must hold exactly one of "value" (text) and "value_base64" (base64)',
    comment: 'authentic, but a record has neither value form',
  },
  await sealVault(h, key, { write_count: 1, secrets: { A: { created_at: at, updated_at: at } } }),
);
write(
  'fail_header_vault_id_changed',
  {
    expect: 'payload failure',
    message: 'is damaged: its contents fail authentication',
    comment: 'vault_id changed and the checksum recomputed: the key unwraps, the payload does not open',
  },
  rehash({ ...good, header: { ...h, vault_id: '00000000-0000-4000-8000-000000000000' } }),
);
write(
  'fail_header_checksum_mismatch',
  { expect: 'header failure', message: 'the header is damaged (its checksum does not match)', comment: 'vault_id changed, checksum not' },
  { ...good, header: { ...h, vault_id: '00000000-0000-4000-8000-000000000000' } },
);
write(
  'fail_kdf_salt_changed',
  {
    ...damaged,
    message: 'is damaged: its header was changed',
    comment: 'salt changed, checksum recomputed; vault.json.bak (good_simple) proves the passphrase right',
  },
  withKdf(good, { salt: flip(h.kdf.salt, 3) }),
);
write(
  'fail_kdf_salt_changed_no_backup',
  {
    expect: 'wrong passphrase',
    message: 'wrong passphrase for the vault',
    comment: 'the same change without a backup: nothing can tell it from a wrong passphrase',
  },
  withKdf(good, { salt: flip(h.kdf.salt, 3) }),
);
write(
  'fail_kdf_opslimit_changed',
  { ...damaged, message: 'is damaged: its header was changed', comment: 'opslimit 3 -> 4, checksum recomputed, with the backup' },
  withKdf(good, { opslimit: 4 }),
);
write(
  'fail_wrapped_key_bit_flip',
  {
    ...damaged,
    message: 'is damaged: its header was changed',
    comment: 'one bit of the wrapped key flipped, checksum recomputed, with the backup',
  },
  rehash({ ...good, header: { ...h, wrapped_key: { ...h.wrapped_key, ciphertext: flip(h.wrapped_key.ciphertext, 2) } } }),
);
const kdfFailure = (message, comment) => ({ expect: 'header failure', message, comment });
write('fail_kdf_memlimit_too_weak', kdfFailure('memlimit must be 64 MiB..1 GiB', 'memlimit 8 MiB'), withKdf(good, { memlimit: 8 * MiB }));
write('fail_kdf_opslimit_too_weak', kdfFailure('opslimit must be 3..16', 'opslimit 1'), withKdf(good, { opslimit: 1 }));
write(
  'fail_kdf_memlimit_2gib',
  kdfFailure('memlimit must be 64 MiB..1 GiB', 'memlimit 2 GiB: refused before any key derivation'),
  withKdf(good, { memlimit: 2048 * MiB }),
);
write(
  'fail_kdf_opslimit_64',
  kdfFailure('opslimit must be 3..16', '64 passes: refused before any key derivation'),
  withKdf(good, { opslimit: 64 }),
);
write(
  'fail_kdf_work_too_much',
  kdfFailure('asks for more work than 1 GiB × 4 passes', '512 MiB x 16 passes: each bound kept, their product not'),
  withKdf(good, { opslimit: 16, memlimit: 512 * MiB }),
);
write(
  'fail_version_2',
  { expect: 'header failure', message: 'format version 2 is not supported', comment: 'a format version from the future' },
  rehash({ ...good, header: { ...h, version: 2 } }),
);
write(
  'fail_unknown_header_field',
  { expect: 'header failure', message: 'the header has unknown fields', comment: 'a header field this version does not know' },
  rehash({ ...good, header: { ...h, comment: 'x' } }),
);
write(
  'fail_not_a_vault',
  { expect: 'header failure', message: 'header is missing or not an object', comment: 'some other JSON' },
  '{"hello": "world"}\n',
);
write(
  'fail_truncated',
  { expect: 'header failure', message: 'it is not valid JSON', comment: 'the first 200 bytes of good_simple' },
  serialize(good).slice(0, 200),
);
