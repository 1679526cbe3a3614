// Unit tests of src/light/refs.ts: names, scopes and references (DESIGN.md §2).
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  describeScope,
  formatRef,
  isValidName,
  parseRef,
  scopeChain,
  splitRef,
  validateScope,
} from '../../src/light/refs.js';

describe('names', () => {
  it('are env-var names of at most 255 characters', () => {
    for (const ok of ['A', '_x', 'RAILS_MASTER_KEY', 'a1', `A${'b'.repeat(254)}`]) expect(isValidName(ok)).toBe(true);
    for (const bad of ['', '1A', 'A-B', 'A.B', 'É', `A${'b'.repeat(255)}`, 'A B']) expect(isValidName(bad)).toBe(false);
  });
});

describe('scopes', () => {
  it('are empty (global), APP or APP/DESTINATION', () => {
    for (const ok of ['', 'shop', 'shop/production', 'my.app_2/eu-west-1']) expect(validateScope(ok)).toBe(ok);
    for (const bad of ['/shop', 'shop/', 'a/b/c', '-shop', 'shop/.prod', 'sh op'])
      expect(() => validateScope(bad)).toThrow(UsageError);
  });

  it('are searched innermost first, ending with the global scope', () => {
    expect(scopeChain('shop/production')).toEqual(['shop/production', 'shop', '']);
    expect(scopeChain('shop')).toEqual(['shop', '']);
    expect(scopeChain('')).toEqual(['']);
  });

  it('read well in a sentence', () => {
    expect(describeScope('')).toBe('the global scope');
    expect(describeScope('shop/production')).toBe('scope shop/production');
  });
});

describe('references', () => {
  it('give a bare NAME the default scope, and keep an explicit one', () => {
    expect(parseRef('DB', 'shop/production')).toEqual({ scope: 'shop/production', name: 'DB' });
    expect(parseRef('blog/DB', 'shop')).toEqual({ scope: 'blog', name: 'DB' });
    expect(parseRef('blog/staging/DB', '')).toEqual({ scope: 'blog/staging', name: 'DB' });
  });

  it('name the global scope explicitly with :NAME', () => {
    expect(parseRef(':DB', 'shop/production')).toEqual({ scope: '', name: 'DB' });
  });

  it('refuse what is not NAME, APP/NAME or APP/DESTINATION/NAME', () => {
    for (const bad of ['/DB', 'a/b/c/DB', 'shop/1DB', ':', ':shop/DB', 'shop/'])
      expect(() => parseRef(bad, '')).toThrow(UsageError);
  });

  it('format and split back to the same scope and name', () => {
    for (const ref of ['DB', 'shop/DB', 'shop/production/DB']) expect(formatRef(splitRef(ref))).toBe(ref);
    expect(splitRef('shop/production/DB')).toEqual({ scope: 'shop/production', name: 'DB' });
    expect(formatRef({ scope: '', name: 'DB' })).toBe('DB');
  });
});
