// Unit tests of src/light/secret-value.ts and of how get prints a value (get-command.ts).
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/config.js';
import { getOutput, getRequest } from '../../src/light/get-command.js';
import { storedValue, textOf, valueBytes } from '../../src/light/secret-value.js';

const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0x61, 0x62, 0x63, 0x80]);

describe('stored values', () => {
  it('keeps UTF-8 text as text, and any other bytes (a NUL byte included) as base64', () => {
    expect(storedValue('pa$word é\nline')).toEqual({ value: 'pa$word é\nline' });
    expect(storedValue(BINARY)).toEqual({ value_base64: BINARY.toString('base64') });
    expect(storedValue(Buffer.from('a\0b'))).toEqual({ value_base64: 'YQBi' });
  });

  it('gives back exactly the bytes it was given', () => {
    for (const bytes of [BINARY, Buffer.from('text'), Buffer.from([0xc3, 0x28]), Buffer.alloc(0)])
      expect(valueBytes(storedValue(bytes))).toEqual(bytes);
  });

  it('has text only for text', () => {
    expect(textOf({ value: 'x' })).toBe('x');
    expect(textOf({ value_base64: Buffer.from('x').toString('base64') })).toBe('x');
    expect(textOf({ value: 'a\0b' })).toBeNull();
    expect(textOf({ value_base64: BINARY.toString('base64') })).toBeNull();
  });

  it('refuses a value in neither form', () => {
    expect(() => valueBytes({} as never)).toThrow(TypeError);
    expect(() => valueBytes({ value_base64: 'no!' })).toThrow(TypeError);
  });
});

describe('get output', () => {
  const config = readConfig({ KAMAL_SECRET_VAULT: '/nonexistent/vault.json', KAMAL_SECRET_SCOPE: '' });
  const request = (...argv: string[]) => getRequest([...argv, 'X'], config, null);

  it('prints text with one newline (none with -n), binary data byte for byte', () => {
    expect(getOutput(request(), { ref: 'X', value: 'v' })).toBe('v\n');
    expect(getOutput(request('-n'), { ref: 'X', value: 'v' })).toBe('v');
    expect(getOutput(request(), { ref: 'X', value_base64: BINARY.toString('base64') })).toEqual(BINARY);
    expect(getOutput(request('-n'), { ref: 'X', value_base64: BINARY.toString('base64') })).toEqual(BINARY);
  });

  it('prints binary data as value_base64 with --json', () => {
    expect(JSON.parse(String(getOutput(request('--json'), { ref: 'X', value_base64: 'YQBi' })))).toEqual({
      ref: 'X',
      scope: '',
      name: 'X',
      value_base64: 'YQBi',
    });
  });
});
