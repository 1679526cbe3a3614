// check on apps it has not seen, judged by real Kamal: for each line, what the author
// means is written down beside it; real Kamal (both dotenv versions) says what it
// delivers; check must raise an error exactly on the lines delivered wrong on either
// version, and on no line delivered right. `kamal-secret` here is a stand-in that
// answers `get NAME [-n]` from files (test/e2e/kamal.test.ts compares check's model of
// get with the real command, form by form).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { check, type VaultContents, vaultContents } from '../../src/kamal/check/check.js';
import type { DotenvVersion } from '../../src/kamal/dotenv-model.js';
import { KamalDriver, realKamalAvailable, realKamalSkipReason } from '../helpers/real-kamal.js';
import { writeApp } from './kamal-compare.js';

interface Case {
  /** the secrets file; the line under test defines S */
  file: string;
  /** what the author means S to be; null when no value is right (a name that exists nowhere) */
  meant: string | null;
  /** S's value in the vault (get answers it; `kamal-secret run` puts it in the environment) */
  vault?: string;
  /** other secrets in the vault */
  others?: Record<string, string>;
}

const cases: Record<string, Case> = {
  'get, plain value': { file: 'S=$(kamal-secret get S)', meant: 'plain', vault: 'plain' },
  'get, "$" before no name': { file: 'S=$(kamal-secret get S)', meant: 'P@ss$!word', vault: 'P@ss$!word' },
  'get, "$" before a name': { file: 'S=$(kamal-secret get S)', meant: 'pa$word1', vault: 'pa$word1' },
  'get, ${NAME} in the value': { file: 'S=$(kamal-secret get S)', meant: 'x${HOME}y', vault: 'x${HOME}y' },
  'get, "$$" and a lone "$"': { file: 'S=$(kamal-secret get S)', meant: '$$ and $', vault: '$$ and $' },
  'get, -n': { file: 'S=$(kamal-secret get S -n)', meant: 'plain', vault: 'plain' },
  'get, a multi-line value': { file: 'S=$(kamal-secret get S)', meant: 'line1\nline2', vault: 'line1\nline2' },
  'get, in double quotes, "#" in the value': { file: 'S="$(kamal-secret get S)"', meant: 'a # b', vault: 'a # b' },
  'get, then a comment': { file: 'S=$(kamal-secret get S) # the key', meant: 'plain', vault: 'plain' },
  'get, export and ":"': { file: 'export S: $(kamal-secret get S)', meant: 'plain', vault: 'plain' },
  'get, a name that is nowhere': { file: 'S=$(kamal-secret get NOT_STORED)', meant: null, vault: 'plain' },
  'get, a typo': { file: 'S=$(kamal-secret get DATABSE_URL)', meant: 'db', others: { DATABASE_URL: 'db' } },
  'get, in single quotes': { file: "S='$(kamal-secret get S)'", meant: 'plain', vault: 'plain' },
  'env mode, plain': { file: 'S=$S', meant: 'plain', vault: 'plain' },
  'env mode, "$" before a name': { file: 'S=$S', meant: 'pa$word1', vault: 'pa$word1' },
  'env mode, braces': { file: 'S=${S}', meant: 'x${HOME}y', vault: 'x${HOME}y' },
  'env mode, "$(" in the value': { file: 'S=$S', meant: 'x$(echo hi)y', vault: 'x$(echo hi)y' },
  'env mode, "\\$(" in the value': { file: 'S=$S', meant: 'a\\$(echo hi)b', vault: 'a\\$(echo hi)b' },
  'env mode, double quotes': { file: 'S="$S"', meant: 'plain', vault: 'plain' },
  'env mode, single quotes': { file: "S='$S'", meant: 'plain', vault: 'plain' },
  'env mode, a shell default': { file: 'S=${S:-fallback}', meant: 'plain', vault: 'plain' },
  'env mode, a typo': { file: 'S=$KAMAL_REGISTRY_PASSWRD', meant: 'reg', others: { KAMAL_REGISTRY_PASSWORD: 'reg' } },
  'env mode, through an earlier line holding "$("': { file: "T='$(echo hi)'\nS=$T", meant: '$(echo hi)' },
  'literal, plain': { file: 'S=literal-value', meant: 'literal-value' },
  'literal, cut at "#"': { file: 'S=abc#def', meant: 'abc#def' },
  'literal, then a comment': { file: 'S=abc #def', meant: 'abc' },
  'literal, "#" in quotes': { file: 'S="abc # def"', meant: 'abc # def' },
  'literal, an escaped backslash': { file: 'S=a\\\\b', meant: 'a\\b' },
  'literal, a lone backslash': { file: 'S=a\\b', meant: 'a\\b' },
  'literal, "$word" unquoted': { file: 'S=pa$word1', meant: 'pa$word1' },
  'literal, "$word" in single quotes': { file: "S='pa$word1'", meant: 'pa$word1' },
  'literal, "\\n" in double quotes': { file: 'S="line1\\nline2"', meant: 'line1\nline2' },
  'literal, "\\n" with DOTENV_LINEBREAK_MODE=legacy': {
    file: 'DOTENV_LINEBREAK_MODE=legacy\nS="line1\\nline2"',
    meant: 'line1\nline2',
  },
  'cat of a key file': { file: 'S=$(cat config/master.key)', meant: 'c0ffee' },
};

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-acceptance-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const PATH = `${path.join(root, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`;
fs.mkdirSync(path.join(root, 'bin'));
fs.writeFileSync(
  path.join(root, 'bin', 'kamal-secret'),
  '#!/bin/sh\n[ "$1" = get ] || exit 2\nf="$PWD/values/$2"\n[ -f "$f" ] || { echo "$2 not found" >&2; exit 1; }\ncat "$f"\n[ "$3" = -n ] || echo\n',
  { mode: 0o755 },
);

function appFor(label: string, c: Case): { app: string; vault: VaultContents; env: Record<string, string> } {
  const app = path.join(root, label.replace(/[^A-Za-z0-9]+/g, '-'));
  const stored: Record<string, string> = { ...c.others, ...(c.vault === undefined ? {} : { S: c.vault }) };
  writeApp(app, {
    'config/deploy.yml':
      'service: shop\nimage: x/shop\nservers: [127.0.0.1]\nregistry:\n  username: x\n  password: x\nbuilder:\n  arch: amd64\nenv:\n  secret: [S]\n',
    'config/master.key': 'c0ffee\n',
    '.kamal/secrets': `${c.file}\n`,
    ...Object.fromEntries(Object.entries(stored).map(([name, value]) => [`values/${name}`, value])),
  });
  // what `kamal-secret run -- kamal deploy` gives Kamal: the vault's secrets in the environment
  return {
    app,
    vault: vaultContents({
      secrets: Object.entries(stored).map(([name, value]) => [`shop/${name}`, value]),
      binary: [],
    }),
    env: { PATH, LANG: 'C.UTF-8', HOME: '/root', ...stored },
  };
}

describe(`check on apps it has not seen: an error exactly where real Kamal delivers a line wrong${realKamalSkipReason}`, () => {
  const drivers = {} as Record<DotenvVersion, KamalDriver>;
  beforeAll(() => {
    if (!realKamalAvailable) return;
    drivers['3.1'] = new KamalDriver('3.1');
    drivers['3.2'] = new KamalDriver('3.2');
  });
  afterAll(() => {
    for (const driver of Object.values(drivers)) driver.close();
  });

  for (const [label, c] of Object.entries(cases)) {
    it.skipIf(!realKamalAvailable)(label, async () => {
      const { app, vault, env } = appFor(label, c);
      const line = c.file.split('\n').findIndex((l) => /^\s*(export\s+)?S\s*[=:]/.test(l)) + 1;
      const delivered: Record<string, string | undefined> = {};
      for (const version of ['3.1', '3.2'] as DotenvVersion[]) {
        const real = await drivers[version].evaluate({ app, env });
        delivered[version] = 'secrets' in real ? real.secrets.S : `(Kamal aborts: ${real.error})`;
      }
      const wrong = Object.entries(delivered)
        .filter(([, value]) => value !== c.meant)
        .map(([v]) => v);
      const report = check({ root: app, destinations: [undefined], versions: ['3.1', '3.2'], exec: false, env, vault });
      const errors = report.findings.filter((f) => f.severity === 'error' && f.line === line);
      const codes = errors.map((f) => f.code);
      const why = `delivered ${JSON.stringify(delivered)}: wrong on [${wrong}]; errors [${codes}]`;
      expect(codes.length > 0, why).toBe(wrong.length > 0);
    });
  }
});
