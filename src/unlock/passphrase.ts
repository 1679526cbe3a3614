// The passphrase: turning it into the vault key, and getting it from
// KAMAL_SECRET_PASSPHRASE or a hidden prompt on the terminal.

import type { Config } from '../config.js';
import { LockedError, UserError } from '../errors.js';
import { promptHidden } from '../term/prompt.js';
import { DecryptError, type Derive, unwrapKey } from '../vault/crypto.js';
import type { Header } from '../vault/format.js';

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
    if (err instanceof DecryptError)
      throw new UserError(`wrong passphrase for the vault ${vaultPath}`, { code: 'wrong_passphrase' });
    throw err;
  }
}

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
