// get's arguments: the shortcut for `get NAME` gives what node's parseArgs gives.
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { GET_OPTIONS, parseGetArgs } from '../../src/light/get-args.js';

describe('parseGetArgs', () => {
  it.each(['DATABASE_URL', 'shop/DB', 'shop/production/DB', ':GLOBAL', '', 'not a name', 'ü'])(
    'reads the single argument %j as parseArgs does',
    (word) => {
      const { values, positionals } = parseArgs({
        args: [word],
        options: GET_OPTIONS,
        allowPositionals: true,
        strict: true,
      });
      expect(positionals).toEqual([word]);
      expect(values).toEqual({});
      expect(parseGetArgs([word])).toEqual({
        ref: word,
        scope: { scope: undefined, destination: undefined, global: false },
        noNewline: false,
        json: false,
      });
    },
  );

  it('reads options through parseArgs', () => {
    expect(parseGetArgs(['-n', 'DB', '--scope', 'shop', '-d', 'production', '--json'])).toEqual({
      ref: 'DB',
      scope: { scope: 'shop', destination: 'production', global: false },
      noNewline: true,
      json: true,
    });
  });

  it.each([[['-x']], [['--']], [['A', 'B']], [[]]])('refuses %j as a usage error', (args) => {
    expect(() => parseGetArgs(args)).toThrow(UsageError);
  });
});
