// Where migrated values go in the vault, and which existing values they would replace.
import { describe, expect, it } from 'vitest';
import type { Stored } from '../../../src/kamal/migrate/decide.js';
import type { Deploy } from '../../../src/kamal/migrate/evaluate.js';
import { planScopes } from '../../../src/kamal/migrate/scopes.js';

const deploy = (destination?: string): Deploy => ({
  destination,
  scope: destination ? `shop/${destination}` : 'shop',
  files: [],
});
const production = deploy('production');
const staging = deploy('staging');
const origin = { file: '.kamal/secrets-common', line: 1, source: 'a literal value' };
const values = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([n, value]): [string, Stored] => [n, { value, origin, common: true }]));

describe('planScopes', () => {
  it('shared values go to APP, differing ones to APP/DEST, one the global scope already holds stays there', () => {
    const plan = planScopes(
      'shop',
      new Map([
        [production, values({ MASTER: 'm', DB: 'db-prod', REGISTRY: 'reg', ONLY_PROD: 'p' })],
        [staging, values({ MASTER: 'm', DB: 'db-staging', REGISTRY: 'reg' })],
      ]),
      new Map([['REGISTRY', 'reg']]),
      true,
    );
    expect(plan.secrets.map((s) => `${s.ref} ${s.action} ${s.destinations.join(',')}`)).toEqual([
      'shop/production/DB create production',
      'shop/staging/DB create staging',
      'shop/MASTER create production,staging',
      'shop/production/ONLY_PROD create production',
      'REGISTRY in-global production,staging',
    ]);
    expect(plan.writes.map((w) => w.ref).sort()).toEqual([
      'shop/MASTER',
      'shop/production/DB',
      'shop/production/ONLY_PROD',
      'shop/staging/DB',
    ]);
    expect(plan.conflicts).toEqual([]);
  });

  it('an existing different value is a conflict, and so is an inner scope that would hide the new value', () => {
    const plan = planScopes(
      'shop',
      new Map([
        [production, values({ A: 'new', B: 'b', C: 'c' })],
        [staging, values({ A: 'new', B: 'b', C: 'c' })],
      ]),
      new Map([
        ['shop/A', 'old'],
        ['shop/B', 'b'],
        ['shop/staging/C', 'hides'],
      ]),
      true,
    );
    expect(plan.secrets.map((s) => `${s.ref} ${s.action}`)).toEqual([
      'shop/A update',
      'shop/B unchanged',
      'shop/C create',
    ]);
    expect(plan.writes).toEqual([
      { ref: 'shop/A', value: 'new', previous: 'old' },
      { ref: 'shop/C', value: 'c', previous: undefined },
      { ref: 'shop/staging/C', value: 'c', previous: 'hides' },
    ]);
    expect(plan.conflicts).toEqual(['shop/A', 'shop/staging/C']);
  });

  it('when only some deploys are migrated, even a shared value goes to each APP/DEST, leaving the others as they were', () => {
    const plan = planScopes('shop', new Map([[staging, values({ A: 'a' })]]), new Map(), false);
    expect(plan.secrets.map((s) => s.ref)).toEqual(['shop/staging/A']);
  });
});
