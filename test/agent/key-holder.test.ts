// The agent's TTL rules, driven by a clock the test moves: no waiting, nothing a loaded machine can break.
import { describe, expect, it } from 'vitest';
import { KeyHolder } from '../../src/agent/key-holder.js';

const minutes = (n: number) => n * 60_000;

function holderAt(start = 1_000_000) {
  let now = start;
  const holder = new KeyHolder({ ttlMs: minutes(60), maxTtlMs: minutes(12 * 60) }, () => now);
  return { holder, advance: (ms: number) => (now += ms) };
}

describe('the key holder', () => {
  it('keeps the key while it is used, and forgets it after the idle time', () => {
    const { holder, advance } = holderAt();
    holder.hold(new Uint8Array(32).fill(7), 'passphrase');
    advance(minutes(59));
    expect(holder.expiry()).toBeNull();
    holder.copy()?.fill(0); // a use restarts the idle time
    advance(minutes(59));
    expect(holder.expiry()).toBeNull();
    advance(minutes(1));
    expect(holder.expiry()).toBe('idle');
  });

  it('forgets the key at the hard limit however much it is used', () => {
    const { holder, advance } = holderAt();
    holder.hold(new Uint8Array(32).fill(7), 'keychain');
    let elapsed = 0;
    while (elapsed + minutes(59) < minutes(12 * 60)) {
      advance(minutes(59));
      elapsed += minutes(59);
      expect(holder.copy()).not.toBeNull(); // used every 59 minutes: never idle
      expect(holder.expiry()).toBeNull();
    }
    advance(minutes(12 * 60) - elapsed);
    expect(holder.expiry()).toBe('hard limit');
  });

  it('a new unlock restarts both clocks', () => {
    const { holder, advance } = holderAt();
    holder.hold(new Uint8Array(32), 'passphrase');
    advance(minutes(11 * 60 + 59));
    holder.hold(new Uint8Array(32), 'keychain');
    advance(minutes(30));
    expect(holder.expiry()).toBeNull();
    expect(holder.via).toBe('keychain');
  });

  it('owns its key: forget zeroes it; a copy is the caller’s and outlives a forget', () => {
    const { holder } = holderAt();
    const key = new Uint8Array(32).fill(9);
    holder.hold(key, 'passphrase');
    const copy = holder.copy() as Uint8Array;
    expect(copy).not.toBe(key);
    expect(holder.forget()).toBe('passphrase');
    expect(key.every((b) => b === 0)).toBe(true);
    expect(copy.every((b) => b === 9)).toBe(true); // a write holding this copy still has its key
    expect(holder.locked).toBe(true);
    expect(holder.copy()).toBeNull();
    expect(holder.forget()).toBeNull();
  });

  it('holding a new key zeroes the one it replaces', () => {
    const { holder } = holderAt();
    const first = new Uint8Array(32).fill(1);
    holder.hold(first, 'passphrase');
    holder.hold(new Uint8Array(32).fill(2), 'keychain');
    expect(first.every((b) => b === 0)).toBe(true);
  });
});
