// Every vector in test/vectors, through the built CLI: a success lists and returns its
// secrets byte for byte (with the warning it states, if any), through the agent (one
// unlock, then get's fast path); a failure refuses a write (in-process) in one line
// carrying its message, and leaves the vault (and its backup) as they were.
// test/vault/vectors.test.ts runs the same vectors against the format code directly.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/cli.js';
import { expectedBytes, installVector, readVector, vectorNames } from '../helpers/vectors.js';

let box: Sandbox;
afterEach(() => box?.cleanup());

describe('test vectors, through the CLI', () => {
  for (const name of vectorNames()) {
    const v = readVector(name);
    it(`${name}: ${v.expect}`, async () => {
      box = new Sandbox({ KAMAL_SECRET_PASSPHRASE: v.passphrase });
      installVector(v, box.vault);
      const stderr = v.warning ? expect.stringMatching(/^kamal-secret: warning: .*\n$/) : '';

      if (v.expect === 'success') {
        box.env.KAMAL_SECRET_NO_AGENT = undefined;
        const listed = await box.run(['list', '--json']);
        expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr });
        if (v.warning) expect(listed.stderr).toContain(v.warning);
        const expected = expectedBytes(v);
        expect(JSON.parse(listed.stdout).map((e: { ref: string }) => e.ref)).toEqual(Object.keys(expected).sort());
        for (const [ref, bytes] of Object.entries(expected)) {
          const got = JSON.parse((await box.run(['get', '--json', ref])).stdout);
          expect({
            ref,
            bytes: Buffer.from(got.value ?? got.value_base64, got.value === undefined ? 'base64' : 'utf8'),
          }).toEqual({ ref, bytes });
        }
        return;
      }

      const before = [box.vault, `${box.vault}.bak`].map((f) => fs.existsSync(f) && fs.readFileSync(f));
      const r = await box.run(['set', 'NEW'], { input: 'value-of-new' });
      expect({ code: r.code, stdout: r.stdout, lines: r.stderr.trim().split('\n').length }).toEqual({
        code: 1,
        stdout: '',
        lines: 1,
      });
      expect(r.stderr).toContain(v.message);
      expect([box.vault, `${box.vault}.bak`].map((f) => fs.existsSync(f) && fs.readFileSync(f))).toEqual(before);
    });
  }
});
