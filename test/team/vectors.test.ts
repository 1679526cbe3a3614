// Every team vault test vector (test/vectors/team, made by make-vectors.ts) opened with
// the format code: good_ ones read exactly their `readable` values, each fail_ one is
// refused with its own message.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIdentity } from '../../src/team/identity.js';
import { lookupTeamSecret } from '../../src/team/team-vault.js';
import type { TeamTrust } from '../../src/team/verify.js';
import { ROOT } from '../helpers/cli.js';
import { open } from './fixtures.js';
import { expectRefused } from './refused.js';

const DIR = path.join(ROOT, 'test', 'vectors', 'team');

interface Vector {
  headers: Record<string, string>;
  source: string;
}

function readVector(name: string): Vector {
  const text = fs.readFileSync(path.join(DIR, name), 'utf8');
  const split = text.indexOf('\n\n');
  const headers = Object.fromEntries(
    text
      .slice(0, split)
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
  );
  return { headers, source: text.slice(split + 2) };
}

const names = fs.readdirSync(DIR).filter((f) => f.endsWith('.vault'));

describe('team vault test vectors', () => {
  it('are there, good and fail, each saying what it expects', () => {
    expect(names.filter((n) => n.startsWith('good_')).length).toBeGreaterThan(3);
    expect(names.filter((n) => n.startsWith('fail_')).length).toBeGreaterThan(20);
    for (const name of names) {
      const { expect: outcome } = readVector(name).headers;
      expect(outcome, name).toBe(
        name.startsWith('good_') ? 'success' : outcome === 'no_access' ? 'no_access' : 'team_refused',
      );
    }
  });

  for (const name of names) {
    it(`${name.startsWith('good_') ? 'opens' : 'refuses'} ${name}`, async () => {
      const { headers, source } = readVector(name);
      const identity = await parseIdentity(headers.identity);
      const trust = JSON.parse(headers.trust) as TeamTrust;
      if (headers.expect !== 'success') {
        const escaped = headers.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        await expectRefused(open(source, identity, trust), new RegExp(escaped), headers.expect);
        return;
      }
      const vault = await open(source, identity, trust);
      const readable = Object.fromEntries(
        vault.secrets
          .filter((s) => s.readable)
          .map((s) => [s.ref, (lookupTeamSecret(vault, s.scope, s.name) as { value: string }).value]),
      );
      expect(readable).toEqual(JSON.parse(headers.readable));
      expect(vault.noAccess).toEqual(JSON.parse(headers['no-access']));
    });
  }
});
