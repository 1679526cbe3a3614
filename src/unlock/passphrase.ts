// Getting the vault key in this process (no agent): the OS keychain first, then the
// passphrase from the environment or the terminal. Exit 3 when neither can be had.

import type { Config } from '../config.js';
import { LockedError } from '../errors.js';
import { promptHidden } from '../term/prompt.js';
import type { Header } from '../vault/format.js';
import { keyFromPassphrase } from '../vault/key.js';
import { keychainGet } from './keychain.js';

export type UnlockedVia = 'keychain' | 'passphrase';

/** The vault key from a passphrase: a wrong one, or a changed header, is a one-line user error. */
export { keyFromPassphrase } from '../vault/key.js';

/** The passphrase: from KAMAL_SECRET_PASSPHRASE, else a hidden prompt on the terminal. */
export async function askPassphrase(config: Config): Promise<string> {
  if (config.passphrase) return config.passphrase;
  const typed = await promptHidden(`Passphrase for ${config.vaultPath}:`, config.useTerminal);
  if (typed === null) {
    throw new LockedError(
      'the vault is locked and there is no terminal to ask for its passphrase',
      'run: kamal-secret unlock (or set KAMAL_SECRET_PASSPHRASE)',
    );
  }
  return typed;
}

export async function unlockInProcess(config: Config, header: Header): Promise<{ key: Uint8Array; via: UnlockedVia }> {
  if (!config.passphrase) {
    const fromKeychain = await keychainGet(header.vault_id, config);
    if (fromKeychain.ok && fromKeychain.key) return { key: fromKeychain.key, via: 'keychain' };
  }
  const passphrase = await askPassphrase(config);
  return { key: await keyFromPassphrase(config.vaultPath, header, passphrase), via: 'passphrase' };
}
