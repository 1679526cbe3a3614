// Every vector in test/vectors, against the format code directly (no build, no CLI):
// parse, unwrap the key with the passphrase (asking vault.json.bak when the vector has
// one), open the payload, note the write count. The outcome each reaches must be the
// one its `expect:` header states. test/e2e/vectors.test.ts runs them through the CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { valueBytes } from '../../src/light/secret-value.js';
import { FormatError, parse } from '../../src/vault/format.js';
import { keyFromPassphrase } from '../../src/vault/key.js';
import { decryptPayload } from '../../src/vault/store.js';
import {
  expectedBytes,
  installVector,
  type Outcome,
  readVector,
  type Vector,
  vectorNames,
} from '../helpers/vectors.js';

let dir: string | undefined;
afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

interface Reached {
  outcome: Outcome;
  message?: string;
  warnings: string[];
  secrets?: Record<string, Buffer>;
}

/** What the format code makes of the vector, step by step. */
async function open(v: Vector): Promise<Reached> {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-vector-'));
  const vault = path.join(dir, 'data', 'vault.json');
  installVector(v, vault);
  const warnings: string[] = [];
  let file: ReturnType<typeof parse>;
  try {
    file = parse(v.body);
  } catch (err) {
    if (err instanceof FormatError) return { outcome: 'header failure', message: err.reason, warnings };
    throw err;
  }
  let key: Uint8Array;
  try {
    key = await keyFromPassphrase(vault, file.header, v.passphrase);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const outcome = err.code === 'wrong_passphrase' ? 'wrong passphrase' : 'header failure';
    return { outcome, message: err.message, warnings };
  }
  try {
    const payload = await decryptPayload(vault, file, key, (line) => warnings.push(line));
    const secrets = Object.fromEntries(Object.entries(payload.secrets).map(([ref, r]) => [ref, valueBytes(r)]));
    return { outcome: 'success', warnings, secrets };
  } catch (err) {
    if (err instanceof UserError) return { outcome: 'payload failure', message: err.message, warnings };
    throw err;
  }
}

describe('test vectors, against the format code', () => {
  for (const name of vectorNames()) {
    const v = readVector(name);
    it(`${name}: ${v.expect}`, async () => {
      const reached = await open(v);
      expect(reached.outcome).toBe(v.expect);
      if (v.expect === 'success') {
        expect(reached.secrets).toEqual(expectedBytes(v));
        expect(reached.warnings).toEqual(v.warning ? [expect.stringContaining(v.warning)] : []);
      } else {
        expect(reached.message).toContain(v.message);
      }
    });
  }

  it('every failure vector names the message it expects, every success the secrets', () => {
    for (const name of vectorNames()) {
      const v = readVector(name);
      expect({ name, stated: v.expect === 'success' ? v.secrets !== undefined : Boolean(v.message) }).toEqual({
        name,
        stated: true,
      });
    }
  });
});
