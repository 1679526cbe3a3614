// Reading top-level scalars (service:, secrets_path:) out of deploy.yml without a YAML parser.
import { describe, expect, it } from 'vitest';
import { readServiceName, topLevelScalar } from '../../src/light/app.js';

/** The regular expression readServiceName used before: the reading to keep, minus its backtracking. */
function byRegex(yamlText: string): string | null {
  const m = /^service:[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#][^#\n]*?))[ \t]*(?:#.*)?$/m.exec(yamlText);
  if (!m) return null;
  return (m[1] ?? m[2] ?? m[3] ?? '').trim() || null;
}

describe('top-level scalars of deploy.yml', () => {
  it('plain, quoted, with a comment; the first line that has a value', () => {
    expect(readServiceName('image: x\nservice: shop # the app\n')).toBe('shop');
    expect(readServiceName('service: "shop"\n')).toBe('shop');
    expect(readServiceName("service:\nservice: 'shop'\r\n")).toBe('shop');
    expect(readServiceName('  service: nested\n')).toBeNull();
    expect(topLevelScalar('service: shop\nsecrets_path: config/secrets\n', 'secrets_path')).toBe('config/secrets');
  });

  it('reads every generated line as the regular expression did', () => {
    const fragments = [
      'service:',
      'service: ',
      'image: x',
      ' ',
      '\t',
      '\v',
      '"',
      "'",
      '#',
      'shop',
      'a b',
      '\n',
      '\r\n',
      '\r',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const text = Array.from({ length: 1 + random(12) }, () => fragments[random(fragments.length)]).join('');
      expect({ text, value: readServiceName(text) }).toEqual({ text, value: byRegex(text) });
    }
  });

  it('takes time in proportion to the text: a value followed by 200,000 spaces', () => {
    // The regular expression backtracked over such a line quadratically (minutes at this size).
    expect(readServiceName(`service: shop${' '.repeat(200_000)}x\n`)).toBe(`shop${' '.repeat(200_000)}x`);
  });
});
