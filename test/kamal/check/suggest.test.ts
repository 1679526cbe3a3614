import { describe, expect, it } from 'vitest';
import { closestName } from '../../../src/kamal/check/suggest.js';

describe('did you mean', () => {
  const known = new Set(['DATABASE_URL', 'KAMAL_REGISTRY_PASSWORD', 'RAILS_MASTER_KEY', 'DB', 'REDIS_URL']);
  it('finds the name a typo was meant to be', () => {
    expect(closestName('DATABSE_URL', known)).toBe('DATABASE_URL');
    expect(closestName('KAMAL_REGISTRY_PASSWRD', known)).toBe('KAMAL_REGISTRY_PASSWORD');
    expect(closestName('rails_master_key', known)).toBe('RAILS_MASTER_KEY');
    expect(closestName('DATABASE_ULR', known)).toBe('DATABASE_URL');
  });
  it('suggests nothing for a name that is merely new, or the name itself', () => {
    expect(closestName('STRIPE_SECRET_KEY', known)).toBeNull();
    expect(closestName('DX', known)).toBeNull(); // short names need a closer match
    expect(closestName('DATABASE_URL', known)).toBeNull();
  });
});
