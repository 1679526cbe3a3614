// The agent protocol's validators, one per operation: what passes, and what is refused as a bad request.
import { describe, expect, it } from 'vitest';
import { BadRequest, parseRequest } from '../../src/light/protocol.js';

const line = (message: unknown) => JSON.stringify(message);
const refused = (message: unknown) => () => parseRequest(typeof message === 'string' ? message : line(message));

describe('agent requests', () => {
  it('accepts each operation with exactly its fields', () => {
    for (const request of [
      { op: 'status' },
      { op: 'get', name: 'A', chain: ['shop/production', 'shop', ''] },
      { op: 'visible', chain: [''] },
      { op: 'all' },
      { op: 'list' },
      { op: 'mutate', mutation: { op: 'set', ref: 'shop/A', value: '' } },
      { op: 'mutate', mutation: { op: 'rm', ref: 'A' } },
      { op: 'mutate', mutation: { op: 'mv', from: 'A', to: 'shop/production/A' } },
      { op: 'mutate', mutation: { op: 'import', scope: 'shop', entries: [['A', 'x']], overwrite: false } },
      { op: 'rewrap', passphrase: 'new one' },
      { op: 'unlock', passphrase: 'p' },
      { op: 'unlock-keychain', env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, force: true },
      { op: 'lock' },
      { op: 'stop' },
    ])
      expect(parseRequest(line(request))).toEqual(request);
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['not an object', [1, 2]],
    ['null', null],
    ['no op', { name: 'A' }],
    ['an unknown op', { op: 'no-such-op' }],
    ['a prototype name as op', { op: 'constructor' }],
    ['an extra field', { op: 'status', verbose: true }],
    ['a missing field', { op: 'get', name: 'A' }],
    ['a name that is not a string', { op: 'get', name: 42, chain: [''] }],
    ['an invalid name', { op: 'get', name: 'BAD NAME', chain: [''] }],
    ['a chain that is not a list', { op: 'get', name: 'A', chain: 'x' }],
    ['an empty chain', { op: 'visible', chain: [] }],
    ['an invalid scope in the chain', { op: 'visible', chain: ['../etc'] }],
    ['a null value', { op: 'mutate', mutation: { op: 'set', ref: 'A', value: null } }],
    ['an object as value', { op: 'mutate', mutation: { op: 'set', ref: 'A', value: { x: 1 } } }],
    ['an invalid reference', { op: 'mutate', mutation: { op: 'set', ref: 'a b/c', value: 'v' } }],
    ['a reference with an empty scope', { op: 'mutate', mutation: { op: 'rm', ref: '/A' } }],
    ['a scope three deep', { op: 'mutate', mutation: { op: 'mv', from: 'A', to: 'a/b/c/A' } }],
    ['an unknown mutation', { op: 'mutate', mutation: { op: 'chmod', ref: 'A' } }],
    [
      'import entries that are not pairs',
      { op: 'mutate', mutation: { op: 'import', scope: '', entries: [['A']], overwrite: true } },
    ],
    [
      'import overwrite that is not a boolean',
      { op: 'mutate', mutation: { op: 'import', scope: '', entries: [], overwrite: 'yes' } },
    ],
    ['an empty passphrase in rewrap', { op: 'rewrap', passphrase: '' }],
    ['an empty passphrase in unlock', { op: 'unlock', passphrase: '' }],
    ['a passphrase that is not a string', { op: 'unlock', passphrase: 12345678 }],
    ['keychain variables beyond D-Bus', { op: 'unlock-keychain', env: { LD_PRELOAD: '/tmp/x.so' }, force: false }],
    ['a keychain variable that is not a string', { op: 'unlock-keychain', env: { DISPLAY: 0 }, force: false }],
  ])('refuses %s', (_why, message) => {
    expect(refused(message)).toThrow(BadRequest);
  });
});
