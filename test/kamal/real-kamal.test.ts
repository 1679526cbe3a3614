// The parser model against REAL Kamal (`kamal secrets print`), both dotenv versions,
// through the kamal harness (see test/helpers/real-kamal.ts for where the sources come
// from). Without Ruby and the sources these tests report themselves skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeExecutor } from '../../src/kamal/check/executor.js';
import type { DotenvVersion } from '../../src/kamal/dotenv-model.js';
import { parseSecretsFile } from '../../src/kamal/dotenv-model.js';
import { ROOT } from '../helpers/cli.js';
import {
  realKamalAvailable as available,
  realKamalPrint,
  realKamalSkipReason as reason,
} from '../helpers/real-kamal.js';

const cases = fs
  .readFileSync(path.join(ROOT, 'test', 'kamal', 'fixtures', 'secrets-cases.txt'), 'utf8')
  .split('----\n');
// Values some cases read from the environment: a `$` word and a `$(` text.
const env = { ...process.env, HOME: '/root', INJECT: 'x$(echo injected)y', WORDY: 'pa$word1' };

const realKamal = (app: string, version: DotenvVersion) => realKamalPrint(app, version, env);

describe(`the model agrees with real Kamal${reason}`, () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-real-kamal-'));
  fs.mkdirSync(path.join(app, 'config'));
  fs.mkdirSync(path.join(app, '.kamal'));
  // Files the `cat` / `grep | cut` cases read (check evaluates those without running them).
  fs.writeFileSync(path.join(app, 'config', 'master.key'), '0123456789abcdef\n');
  fs.writeFileSync(
    path.join(app, '.env'),
    'KAMAL_REGISTRY_PASSWORD=registry-password\nB64=YWJjZA==\nQUOTED="q-value"\nPLAIN=plain # note\nPREFIXED=one\nPREFIXED_OLD=two\nCRLF=crlf-value\r\nDOLLAR=pa$word1\nSPACED = spaced-value\nexport EXPORTED=exported-value\nTRAILING=value # a comment\n',
  );
  fs.writeFileSync(
    path.join(app, 'config', 'deploy.yml'),
    'service: demo\nimage: demo/demo\nservers: [127.0.0.1]\nregistry:\n  username: demo\n  password: [KAMAL_REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\n',
  );

  for (const [i, text] of cases.entries()) {
    for (const version of ['3.1', '3.2'] as DotenvVersion[]) {
      it.skipIf(!available)(`case ${i + 1} on dotenv ${version}: ${JSON.stringify(text.split('\n')[0])}…`, () => {
        fs.writeFileSync(path.join(app, '.kamal', 'secrets'), text);
        const parsed = parseSecretsFile(
          text,
          version,
          env,
          makeExecutor({ cwd: app, env, scope: '', exec: true, lookup: () => undefined }),
        );
        const real = realKamal(app, version);
        if (parsed.abort?.kind === 'format-error') expect(real).toMatch(/^ERROR/);
        else expect([...parsed.values].map(([k, e]) => `${k}=${e.value}\n`).join('')).toBe(real);
      });
    }
  }
});
