// Regenerates the test vectors from the built code: `npm run build && node test/vectors/make-vectors.mjs`.
// Every vector opens with the passphrase "vector passphrase". Each fail_ vector is one
// specific corruption of good_simple.json; vectors.test.ts says what each must produce.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newHeader, randomKey, sealVault } from '../../dist/vault/crypto.js';
import { headerDigest, serialize } from '../../dist/vault/format.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const PASS = 'vector passphrase';
const at = '2026-01-01T00:00:00.000Z';
const rec = (value) => ({ value, created_at: at, updated_at: at });
const simple = { secrets: { A: rec('global-a'), 'shop/B': rec('shop-b'), 'shop/production/C': rec('pa$word1\nline two') } };

const write = (name, file) => fs.writeFileSync(path.join(dir, name), typeof file === 'string' ? file : serialize(file));
const rehash = (file) => ({ ...file, header_sha256: headerDigest(file.header) });
const flip = (b64, index) => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index] ^= 0x01;
  return bytes.toString('base64');
};

const key = await randomKey();
const header = await newHeader(key, PASS);
const good = await sealVault(header, key, simple);
write('good_simple.json', good);
write('good_empty.json', await sealVault(await newHeader(key, PASS), key, { secrets: {} }));
write('good_kdf_ops_4.json', await sealVault(await newHeader(key, PASS, undefined, { opslimit: 4, memlimit: 64 * 1024 * 1024 }), key, simple));

const h = good.header;
write('fail_payload_bit_flip.json', { ...good, payload: { ...good.payload, ciphertext: flip(good.payload.ciphertext, 5) } });
write('fail_payload_nonce_changed.json', { ...good, payload: { ...good.payload, nonce: flip(good.payload.nonce, 0) } });
write('fail_payload_from_other_vault.json', { ...good, payload: (await sealVault(await newHeader(key, PASS), key, simple)).payload });
write('fail_header_vault_id_changed.json', rehash({ ...good, header: { ...h, vault_id: '00000000-0000-4000-8000-000000000000' } }));
write('fail_header_checksum_mismatch.json', { ...good, header: { ...h, vault_id: '00000000-0000-4000-8000-000000000000' } });
write('fail_kdf_salt_changed.json', rehash({ ...good, header: { ...h, kdf: { ...h.kdf, salt: flip(h.kdf.salt, 3) } } }));
write('fail_kdf_memlimit_too_weak.json', rehash({ ...good, header: { ...h, kdf: { ...h.kdf, memlimit: 8 * 1024 * 1024 } } }));
write('fail_kdf_opslimit_too_weak.json', rehash({ ...good, header: { ...h, kdf: { ...h.kdf, opslimit: 1 } } }));
write('fail_wrapped_key_bit_flip.json', rehash({ ...good, header: { ...h, wrapped_key: { ...h.wrapped_key, ciphertext: flip(h.wrapped_key.ciphertext, 2) } } }));
write('fail_version_2.json', rehash({ ...good, header: { ...h, version: 2 } }));
write('fail_unknown_header_field.json', rehash({ ...good, header: { ...h, comment: 'x' } }));
write('fail_not_a_vault.json', '{"hello": "world"}\n');
write('fail_truncated.json', serialize(good).slice(0, 200));
