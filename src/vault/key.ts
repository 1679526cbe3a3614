// The vault key from a passphrase, and what to say when the passphrase does not open
// the header. The passphrase is only ever checked through the header's salt, KDF
// parameters and wrapped key, so a change to one of those (with the unkeyed checksum
// recomputed) looks exactly like a wrong passphrase. The one other witness is
// vault.json.bak: the same vault, wrapped with the same passphrase (passwd re-seals it).
// When the current header refuses the passphrase but the backup's accepts it:
// - its key opens the current payload: the current header is authentic (it is the
//   payload's associated data), so the passphrase is an earlier one of this vault;
// - it does not: the current file was changed after it was written: damaged.
// docs/vault-format.md lists what can and cannot be told apart.

import { UserError } from '../errors.js';
import { backupPathOf } from '../light/paths.js';
import { DecryptError, type Derive, deriveKey, openVault, sodium, unwrapKey } from './crypto.js';
import { canonicalJson, type Header, type VaultFile } from './format.js';
import { damaged, readVaultFile } from './store.js';

export async function keyFromPassphrase(
  vaultPath: string,
  header: Header,
  passphrase: string,
  derive: Derive = deriveKey,
): Promise<Uint8Array> {
  try {
    return await unwrapKey(header, passphrase, derive);
  } catch (err) {
    if (!(err instanceof DecryptError)) throw err;
  }
  const verdict = await askTheBackup(vaultPath, header, passphrase, derive);
  if (verdict === 'header changed')
    throw damaged(
      vaultPath,
      `its header was changed (the passphrase opens ${backupPathOf(vaultPath)}, whose key does not open this file)`,
    );
  const earlier = verdict === 'earlier passphrase' ? ' (it is an earlier passphrase of this vault)' : '';
  throw new UserError(`wrong passphrase for the vault ${vaultPath}${earlier}`, { code: 'wrong_passphrase' });
}

type Verdict = 'header changed' | 'earlier passphrase' | 'no witness';

async function askTheBackup(vaultPath: string, header: Header, passphrase: string, derive: Derive): Promise<Verdict> {
  let backup: VaultFile;
  let current: VaultFile;
  try {
    backup = readVaultFile(backupPathOf(vaultPath));
    current = { ...readVaultFile(vaultPath), header };
  } catch {
    return 'no witness'; // no backup, or not one we can trust
  }
  // The same vault, and a different wrapping (the same one would refuse the passphrase too).
  if (backup.header.vault_id !== header.vault_id || sameWrapping(backup.header, header)) return 'no witness';
  let key: Uint8Array;
  try {
    key = await unwrapKey(backup.header, passphrase, derive);
    await openVault(backup, key); // the key is this vault's: it opens the backup's payload
  } catch {
    return 'no witness';
  }
  try {
    await openVault(current, key);
    return 'earlier passphrase';
  } catch (err) {
    return err instanceof DecryptError ? 'header changed' : 'earlier passphrase';
  } finally {
    (await sodium()).memzero(key);
  }
}

const sameWrapping = (a: Header, b: Header) =>
  canonicalJson([a.kdf, a.wrapped_key]) === canonicalJson([b.kdf, b.wrapped_key]);
