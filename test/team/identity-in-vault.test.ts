// The team identity and memories live in the personal vault's payload: created on first
// need for a vault made before teams, then the same on every read, kept across writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIdentity } from '../../src/team/identity.js';
import { newHeader, randomKey } from '../../src/vault/crypto.js';
import { emptyPayload } from '../../src/vault/secrets.js';
import { LocalSession } from '../../src/vault/session.js';
import { createVault } from '../../src/vault/store.js';

describe('the identity in the personal vault', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function olderVault(): Promise<{ path: string; key: Uint8Array }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-identity-'));
    dirs.push(dir);
    fs.chmodSync(dir, 0o700);
    const vaultPath = path.join(dir, 'vault.json');
    const key = await randomKey();
    await createVault(vaultPath, await newHeader(key, 'a long test passphrase'), key, emptyPayload());
    return { path: vaultPath, key };
  }

  it('is created on first need for a vault without one, stored, and the same afterwards', async () => {
    const vault = await olderVault();
    const session = () => new LocalSession(vault.path, Uint8Array.from(vault.key));
    const first = await session().identity();
    expect((await parseIdentity(first)).recipient).toMatch(/^age1/);
    await session().mutate({ op: 'set', ref: 'A', value: 'x' });
    expect(await session().identity()).toBe(first);
  });

  it('keeps what its owner remembers of each app team, by app', async () => {
    const vault = await olderVault();
    const s = new LocalSession(vault.path, Uint8Array.from(vault.key));
    expect(await s.teamMemory('shop')).toBeNull();
    const memory = { team: 'T', app: 'shop', seq: 3, head: 'H' };
    await s.rememberTeam('shop', memory);
    await s.mutate({ op: 'set', ref: 'shop/A', value: 'x' });
    const again = new LocalSession(vault.path, Uint8Array.from(vault.key));
    expect(await again.teamMemory('shop')).toEqual(memory);
    expect(await again.teamMemory('other')).toBeNull();
  });
});
