// The agent's unlocked vault key and the rules for forgetting it: after `ttlMs`
// without use (idle) and `maxTtlMs` after the unlock (the hard limit). Time comes
// from an injected clock, so the rules are tested by moving the clock, not by waiting.
//
// Ownership: the holder owns the key it is given and zeroes it when it forgets it.
// Every operation gets its own copy (copy()) and zeroes that copy when done, so a
// lock or an expiry in the middle of an operation (a write waiting for the vault's
// file lock) never pulls the key from under it.

export type UnlockedVia = 'keychain' | 'passphrase';
export type Clock = () => number;
export type Expiry = 'idle' | 'hard limit';

export interface Lifetimes {
  ttlMs: number;
  maxTtlMs: number;
}

export class KeyHolder {
  private held: { key: Uint8Array; via: UnlockedVia; since: number } | null = null;
  private lastUsed = 0;

  constructor(
    private readonly lifetimes: Lifetimes,
    private readonly now: Clock = Date.now,
  ) {}

  get via(): UnlockedVia | null {
    return this.held?.via ?? null;
  }

  get locked(): boolean {
    return this.held === null;
  }

  /** Take ownership of `key`, forgetting any key held before. */
  hold(key: Uint8Array, via: UnlockedVia): void {
    this.forget();
    const now = this.now();
    this.held = { key, via, since: now };
    this.lastUsed = now;
  }

  /** Why the key must be forgotten now, or null while it may be kept. */
  expiry(): Expiry | null {
    if (!this.held) return null;
    const now = this.now();
    if (now - this.lastUsed >= this.lifetimes.ttlMs) return 'idle';
    if (now - this.held.since >= this.lifetimes.maxTtlMs) return 'hard limit';
    return null;
  }

  /**
   * A copy of the key for one operation, which the caller owns and zeroes; counts as a
   * use. Null when locked. (Callers forget an expired key first: see expiry().)
   */
  copy(): Uint8Array | null {
    if (!this.held) return null;
    this.lastUsed = this.now();
    return Uint8Array.from(this.held.key);
  }

  /** Zero and drop the key; how it had been unlocked, or null when there was none. */
  forget(): UnlockedVia | null {
    if (!this.held) return null;
    const { key, via } = this.held;
    key.fill(0);
    this.held = null;
    return via;
  }
}
