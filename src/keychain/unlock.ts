// Getting the vault key in this process (no agent): the OS keychain first, then the
// passphrase from the environment or the terminal. Exit 3 when neither can be had.

import { LockedError, UserError } from '../errors.js';
import { DecryptError, type Derive, unwrapKey } from '../vault/crypto.js';
import type { Header } from '../vault/format.js';
import { keychainGet } from './keychain.js';
import { PASSPHRASE_ENV, passphraseFromEnv, promptHidden } from './passphrase.js';

export type UnlockedVia = 'keychain' | 'passphrase';

/** The vault key from a passphrase; a wrong one is a one-line user error. */
export async function keyFromPassphrase(
  vaultPath: string,
  header: Header,
  passphrase: string,
  derive?: Derive,
): Promise<Uint8Array> {
  try {
    return await unwrapKey(header, passphrase, derive);
  } catch (err) {
    if (err instanceof DecryptError) throw new UserError(`wrong passphrase for the vault ${vaultPath}`);
    throw err;
  }
}

/** Ask for the passphrase: environment first, then a hidden prompt on the terminal. */
export async function askPassphrase(vaultPath: string): Promise<string> {
  const fromEnv = passphraseFromEnv();
  if (fromEnv) return fromEnv;
  const typed = await promptHidden(`Passphrase for ${vaultPath}:`);
  if (typed === null)
    throw new LockedError(
      `the vault is locked and there is no terminal to ask for its passphrase; run: kamal-secret unlock (or set ${PASSPHRASE_ENV})`,
    );
  return typed;
}

export async function unlockInProcess(
  vaultPath: string,
  header: Header,
): Promise<{ key: Uint8Array; via: UnlockedVia }> {
  if (!passphraseFromEnv()) {
    const fromKeychain = await keychainGet(header.vault_id);
    if (fromKeychain.ok && fromKeychain.key) return { key: fromKeychain.key, via: 'keychain' };
  }
  return { key: await keyFromPassphrase(vaultPath, header, await askPassphrase(vaultPath)), via: 'passphrase' };
}
