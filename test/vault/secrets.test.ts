// Unit tests of src/vault/secrets.ts: what can be done to a decrypted payload.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parsePayload } from '../../src/vault/format.js';
import { allSecrets, applyMutation, emptyPayload, list, storedAt } from '../../src/vault/secrets.js';
import { AT, BINARY, examplePayload } from './example-payload.js';

const LATER = '2026-02-01T00:00:00.000Z';
const payload = examplePayload;

describe('allSecrets', () => {
  it('gives every text secret as [ref, text], and the binary ones by reference alone', () => {
    const p = payload();
    const text = Object.entries(p.secrets).filter(([ref]) => ref !== 'BLOB');
    expect(allSecrets(p)).toEqual({ secrets: text.map(([ref, r]) => [ref, r.value]), binary: ['BLOB'] });
  });
});

describe('list', () => {
  it('lists every secret by scope, then name, without values', () => {
    expect(list(payload()).map((e) => e.ref)).toEqual([
      'BLOB',
      'DB',
      'TOKEN',
      'blog/DB',
      'shop/DB',
      'shop/production/DB',
      'shop/staging/ONLY',
    ]);
    expect(list(payload())[0]).toEqual({ ref: 'BLOB', scope: '', name: 'BLOB', updated_at: AT });
  });
});

describe('applyMutation', () => {
  it('set creates, then updates keeping the creation time', () => {
    const p = payload();
    expect(applyMutation(p, { op: 'set', ref: 'shop/NEW', value: 'v1' }, LATER)).toEqual({
      action: 'created',
      ref: 'shop/NEW',
    });
    expect(applyMutation(p, { op: 'set', ref: 'DB', value: 'v2' }, LATER)).toEqual({ action: 'updated', ref: 'DB' });
    expect(p.secrets.DB).toEqual({ value: 'v2', created_at: AT, updated_at: LATER });
  });

  it('set stores text as value and any other bytes as value_base64, whichever form they came in', () => {
    const p = payload();
    applyMutation(p, { op: 'set', ref: 'B', value_base64: BINARY.toString('base64') }, LATER);
    applyMutation(p, { op: 'set', ref: 'N', value: 'a\0b' }, LATER);
    applyMutation(p, { op: 'set', ref: 'T', value_base64: Buffer.from('plain é').toString('base64') }, LATER);
    expect(p.secrets.B).toEqual({ value_base64: BINARY.toString('base64'), created_at: LATER, updated_at: LATER });
    expect(p.secrets.N).toEqual({
      value_base64: Buffer.from('a\0b').toString('base64'),
      created_at: LATER,
      updated_at: LATER,
    });
    expect(p.secrets.T).toEqual({ value: 'plain é', created_at: LATER, updated_at: LATER });
  });

  it('set refuses a value that is neither text nor base64', () => {
    const p = payload();
    expect(() => applyMutation(p, { op: 'set', ref: 'X', value_base64: 'not base64!' }, LATER)).toThrow(TypeError);
    expect(p.secrets.X).toBeUndefined();
  });

  it('rm removes; a missing one is an error naming its scope', () => {
    const p = payload();
    expect(applyMutation(p, { op: 'rm', ref: 'shop/DB' })).toEqual({ action: 'removed', ref: 'shop/DB' });
    expect(p.secrets['shop/DB']).toBeUndefined();
    expect(() => applyMutation(p, { op: 'rm', ref: 'shop/DB' })).toThrow('DB does not exist in scope shop');
  });

  it('mv moves the record (binary kept as it is), refuses a clash and a move onto itself', () => {
    const p = payload();
    expect(applyMutation(p, { op: 'mv', from: 'BLOB', to: 'shop/BLOB' }, LATER)).toEqual({
      action: 'moved',
      ref: 'shop/BLOB',
    });
    expect(p.secrets['shop/BLOB']).toEqual({
      value_base64: BINARY.toString('base64'),
      created_at: AT,
      updated_at: LATER,
    });
    expect(() => applyMutation(p, { op: 'mv', from: 'DB', to: 'shop/DB' })).toThrow('shop/DB already exists');
    expect(() => applyMutation(p, { op: 'mv', from: 'DB', to: 'DB' })).toThrow(UsageError);
  });

  it('import reports created, updated, unchanged and skipped names', () => {
    const p = payload();
    const entries: [string, string][] = [
      ['DB', 'shop-db'],
      ['NEW', 'n'],
      ['TOKEN', 'other'],
    ];
    expect(applyMutation(p, { op: 'import', scope: 'shop', entries, overwrite: false }, LATER)).toEqual({
      created: ['NEW', 'TOKEN'],
      updated: [],
      unchanged: ['DB'],
      skipped: [],
    });
    expect(
      applyMutation(p, { op: 'import', scope: '', entries: [['DB', 'changed']], overwrite: false }, LATER),
    ).toMatchObject({ skipped: ['DB'] });
    expect(
      applyMutation(p, { op: 'import', scope: '', entries: [['DB', 'changed']], overwrite: true }, LATER),
    ).toMatchObject({ updated: ['DB'] });
    expect(p.secrets.DB.value).toBe('changed');
  });
});

describe('names that Object.prototype has', () => {
  it("are nobody's secret until set: toString, constructor, __proto__ in a parsed and in a new vault", () => {
    for (const p of [parsePayload('{"secrets":{}}'), emptyPayload()]) {
      for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
        expect(storedAt(p, name)).toBeNull();
        expect(() => applyMutation(p, { op: 'rm', ref: name }, AT)).toThrow(`${name} does not exist`);
      }
    }
  });

  it('are stored, kept through the file and found like any name; __proto__ does not replace the prototype', () => {
    const p = emptyPayload();
    for (const name of ['toString', '__proto__']) {
      expect(applyMutation(p, { op: 'set', ref: name, value: `v-${name}` }, AT)).toEqual({
        action: 'created',
        ref: name,
      });
    }
    const again = parsePayload(JSON.stringify(p));
    expect(storedAt(again, '__proto__')).toEqual({ ref: '__proto__', value: 'v-__proto__' });
    expect(storedAt(again, 'toString')).toEqual({ ref: 'toString', value: 'v-toString' });
    expect(list(again).map((l) => l.ref)).toEqual(['__proto__', 'toString']);
    expect(applyMutation(again, { op: 'mv', from: '__proto__', to: 'shop/__proto__' }, AT)).toEqual({
      action: 'moved',
      ref: 'shop/__proto__',
    });
    expect(storedAt(again, '__proto__')).toBeNull();
  });
});
