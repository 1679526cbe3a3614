// The parser model against REAL Kamal (`kamal secrets print`), both dotenv versions,
// through ../shared/tools/kamal-harness/run-kamal.sh. Needs Ruby and the sources
// named in its SETUP.md: KAMAL_SRC (kamal 2.12.0), DOTENV_32_SRC and DOTENV_31_SRC.
// Without them these tests report themselves skipped.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DotenvVersion } from '../../src/kamal/dotenv-model.js';
import { parseSecretsFile } from '../../src/kamal/dotenv-model.js';
import { makeExecutor } from '../../src/kamal/executor.js';
import { ROOT } from '../helpers/cli.js';

const HARNESS = path.join(ROOT, '..', 'shared', 'tools', 'kamal-harness', 'run-kamal.sh');
const sources: Record<DotenvVersion, string | undefined> = {
  '3.2': process.env.DOTENV_32_SRC,
  '3.1': process.env.DOTENV_31_SRC,
};
const missing = [
  !process.env.KAMAL_SRC && 'KAMAL_SRC',
  !sources['3.2'] && 'DOTENV_32_SRC',
  !sources['3.1'] && 'DOTENV_31_SRC',
  !fs.existsSync(HARNESS) && 'the kamal harness',
].filter(Boolean);
const available = missing.length === 0;
const reason = available ? '' : ` (skipped: set ${missing.join(', ')}; see shared/tools/kamal-harness/SETUP.md)`;

const cases = fs
  .readFileSync(path.join(ROOT, 'test', 'kamal', 'fixtures', 'secrets-cases.txt'), 'utf8')
  .split('----\n');
// Values some cases read from the environment: a `$` word and a `$(` text.
const env = { ...process.env, HOME: '/root', INJECT: 'x$(echo injected)y', WORDY: 'pa$word1' };

function realKamal(app: string, version: DotenvVersion): string {
  try {
    return execFileSync('bash', [HARNESS, app], {
      env: { ...env, DOTENV_SRC: sources[version] },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    return `ERROR ${(err as { stdout?: string }).stdout ?? ''}`;
  }
}

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
