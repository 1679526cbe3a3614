// GitLab's masking rules (reference/gitlab-variables.md): raw values need 8+ characters
// and no white space; older servers only take the Base64-plus-@:.~ set; multi-line never.
import { describe, expect, it } from 'vitest';
import { maskability } from '../../src/gitlab/masking.js';

describe('maskability', () => {
  it.each([
    ['eight chars', 'abcdefgh'],
    ['symbols a raw masked value may hold', 'P@ss$!word#%^&*()'],
    ['non-ASCII letters count as characters', 'ééééééééé'],
  ])('current rule masks %s', (_, value) => {
    expect(maskability(value)).toEqual({ maskable: true });
  });

  it('counts characters, not UTF-16 units or bytes: seven emoji are too short', () => {
    const m = maskability('😀'.repeat(7));
    expect(m).toMatchObject({ maskable: false, multiline: false });
    expect(m.maskable === false && m.reason).toContain('(7)');
  });

  it.each([' ', '\t', '\f', '\v'])('refuses white space %j inside a long value', (space) => {
    expect(maskability(`abcd${space}efgh`)).toMatchObject({ maskable: false, multiline: false });
  });

  it.each(['line one\nline two', 'crlf\r\nvalue', 'carriage\rreturn'])('multi-line %j is never maskable', (value) => {
    expect(maskability(value)).toMatchObject({ maskable: false, multiline: true });
    expect(maskability(value, 'old')).toMatchObject({ maskable: false, multiline: true });
  });

  it('the older rule takes only A-Z a-z 0-9 _+=/@:.~- characters', () => {
    expect(maskability('aGVsbG8gd29ybGQ=+/_@:.~-', 'old')).toEqual({ maskable: true });
    expect(maskability('P@ss$!word', 'old')).toMatchObject({ maskable: false, multiline: false });
    expect(maskability('short', 'old')).toMatchObject({ maskable: false });
  });
});
