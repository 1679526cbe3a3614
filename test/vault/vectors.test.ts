// Every vector in test/vectors is opened by the real CLI: good_ ones list their
// secrets, each fail_ one is refused with its own message and left byte for byte as it was.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, Sandbox } from '../helpers/cli.js';

const DIR = path.join(ROOT, 'test', 'vectors');
const PASS = 'vector passphrase';

const expectedFailures: Record<string, RegExp> = {
  'fail_payload_bit_flip.json': /is damaged: its contents fail authentication/,
  'fail_payload_nonce_changed.json': /is damaged: its contents fail authentication/,
  'fail_payload_from_other_vault.json': /is damaged: its contents fail authentication/,
  'fail_header_vault_id_changed.json': /is damaged: its contents fail authentication/,
  'fail_header_checksum_mismatch.json': /is damaged: the header is damaged \(its checksum does not match\)/,
  'fail_kdf_salt_changed.json': /wrong passphrase for the vault/,
  'fail_wrapped_key_bit_flip.json': /wrong passphrase for the vault/,
  'fail_kdf_memlimit_too_weak.json': /memlimit must be 64 MiB/,
  'fail_kdf_opslimit_too_weak.json': /opslimit must be 3\.\.16/,
  'fail_version_2.json': /format version 2 is not supported/,
  'fail_unknown_header_field.json': /unknown fields/,
  'fail_not_a_vault.json': /header is missing/,
  'fail_truncated.json': /not valid JSON/,
};

const vectors = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));

describe('test vectors', () => {
  let box: Sandbox;
  afterEach(() => box?.cleanup());

  function install(name: string): void {
    box = new Sandbox({ KAMAL_SECRET_PASSPHRASE: PASS });
    fs.mkdirSync(path.dirname(box.vault), { recursive: true, mode: 0o700 });
    fs.copyFileSync(path.join(DIR, name), box.vault);
    fs.chmodSync(box.vault, 0o600);
  }

  it('has an expectation for every fail_ vector', () => {
    expect(vectors.filter((f) => f.startsWith('fail_')).sort()).toEqual(Object.keys(expectedFailures).sort());
  });

  for (const name of vectors.filter((f) => f.startsWith('good_'))) {
    it(`opens ${name}`, async () => {
      install(name);
      const r = await box.run(['list', '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const refs = JSON.parse(r.stdout).map((e: { ref: string }) => e.ref);
      expect(refs).toEqual(name === 'good_empty.json' ? [] : ['A', 'shop/B', 'shop/production/C']);
    });
  }

  for (const [name, message] of Object.entries(expectedFailures)) {
    it(`refuses ${name} and leaves it untouched`, async () => {
      install(name);
      const before = fs.readFileSync(box.vault);
      const r = await box.run(['set', 'NEW'], { input: 'value-of-new' });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(fs.readFileSync(box.vault)).toEqual(before);
    });
  }

  it('reads the values of good_simple.json, multi-line and $ intact', async () => {
    install('good_simple.json');
    const r = await box.run(['get', 'shop/production/C']);
    expect(r.stdout).toBe('pa$word1\nline two\n');
  });
});
