// The model against REAL Kamal on the hand-written cases in fixtures/secrets-cases.txt
// (each one a construct people write, or a disagreement the differential run found),
// on both dotenv versions, through the Kamal driver (test/kamal/kamal-driver.rb). One
// case also goes through real `kamal secrets print` (the harness), to show that the
// driver answers as Kamal's command does. Without Ruby and the sources these tests
// report themselves skipped (test/helpers/real-kamal.ts says where they are looked for).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DotenvVersion } from '../../src/kamal/dotenv-model.js';
import { ROOT } from '../helpers/cli.js';
import {
  realKamalAvailable as available,
  KamalDriver,
  realKamalPrint,
  realKamalSkipReason as reason,
} from '../helpers/real-kamal.js';
import { agree, modelReply, writeApp } from './kamal-compare.js';

const cases = fs
  .readFileSync(path.join(ROOT, 'test', 'kamal', 'fixtures', 'secrets-cases.txt'), 'utf8')
  .split('----\n');
// Values some cases read from the environment: a `$` word and a `$(` text.
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  LANG: 'C.UTF-8',
  HOME: '/root',
  INJECT: 'x$(echo injected)y',
  WORDY: 'pa$word1',
};

const app = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-real-kamal-'));
writeApp(app, {
  // Files the `cat` / `grep | cut` cases read (check evaluates those without running them).
  'config/master.key': '0123456789abcdef\n',
  '.env':
    'KAMAL_REGISTRY_PASSWORD=registry-password\nB64=YWJjZA==\nQUOTED="q-value"\nPLAIN=plain # note\nPREFIXED=one\nPREFIXED_OLD=two\nCRLF=crlf-value\r\nDOLLAR=pa$word1\nSPACED = spaced-value\nexport EXPORTED=exported-value\nTRAILING=value # a comment\n',
});
const secretsFile = path.join(app, '.kamal', 'secrets');
fs.mkdirSync(path.dirname(secretsFile));
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

describe(`the model agrees with real Kamal${reason}`, () => {
  const drivers = {} as Record<DotenvVersion, KamalDriver>;
  beforeAll(() => {
    if (!available) return;
    drivers['3.1'] = new KamalDriver('3.1');
    drivers['3.2'] = new KamalDriver('3.2');
  });
  afterAll(() => {
    for (const driver of Object.values(drivers)) driver.close();
  });

  for (const [i, text] of cases.entries()) {
    it.skipIf(!available)(`case ${i + 1}: ${JSON.stringify(text.split('\n')[0])}…`, async () => {
      fs.writeFileSync(secretsFile, text);
      for (const version of ['3.1', '3.2'] as DotenvVersion[]) {
        const real = await drivers[version].evaluate({ app, env });
        const model = modelReply(app, undefined, version, env);
        expect(agree(model, real), `dotenv ${version}: model ${JSON.stringify(model)}`).toBe(true);
      }
    });
  }

  it.skipIf(!available)('the driver answers as `kamal secrets print` does', { timeout: 300_000 }, async () => {
    fs.writeFileSync(secretsFile, 'A=$(echo hello)\nB=${A:-x}\nC=$(false)\nD=$WORDY\n');
    for (const version of ['3.1', '3.2'] as DotenvVersion[]) {
      const reply = await drivers[version].evaluate({ app, env });
      const printed = realKamalPrint(app, version, env);
      expect(
        'secrets' in reply &&
          Object.entries(reply.secrets)
            .map(([k, v]) => `${k}=${v}\n`)
            .join(''),
      ).toBe(printed);
    }
  });
});
