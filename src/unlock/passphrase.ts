// The passphrase: turning it into the vault key, and getting it from the person, from
// KAMAL_SECRET_PASSPHRASE or a hidden prompt on the terminal (three tries there).

import type { Config } from '../config.js';
import { LockedError, UserError } from '../errors.js';
import { promptHidden } from '../term/prompt.js';

/** How many passphrases a person may type before the command gives up. */
export const PASSPHRASE_TRIES = 3;

/** The vault key from a passphrase: a wrong one, or a changed header, is a one-line user error. */
export { keyFromPassphrase } from '../vault/key.js';

/**
 * `unlock` with the passphrase: KAMAL_SECRET_PASSPHRASE (one try), else asked on the
 * terminal, again while it is wrong, up to PASSPHRASE_TRIES times. Exit 3 when there is
 * neither.
 */
export async function withPassphrase<T>(config: Config, unlock: (passphrase: string) => Promise<T>): Promise<T> {
  if (config.passphrase) return unlock(config.passphrase);
  for (let attempt = 1; ; attempt++) {
    const message =
      attempt === 1
        ? `Passphrase for ${config.vaultPath}:`
        : `Wrong passphrase, try again (${attempt} of ${PASSPHRASE_TRIES}):`;
    const typed = await promptHidden(message, config.useTerminal, { required: true });
    if (typed === null) {
      throw new LockedError(
        'the vault is locked and there is no terminal to ask for its passphrase',
        'run: kamal-secret unlock (or set KAMAL_SECRET_PASSPHRASE)',
      );
    }
    try {
      return await unlock(typed);
    } catch (err) {
      if (!(err instanceof UserError && err.code === 'wrong_passphrase') || attempt >= PASSPHRASE_TRIES) throw err;
    }
  }
}
