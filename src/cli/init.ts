import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { generateIdentity } from '../team/identity.js';
import { info, out, warn } from '../term/output.js';
import { newPassphrase } from '../term/prompt.js';
import { keychainSet } from '../unlock/keychain.js';
import { newHeader, randomKey } from '../vault/crypto.js';
import { emptyPayload } from '../vault/secrets.js';
import { checkPermissions, createVault, vaultExists } from '../vault/store.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('init')
    .description('create the vault, store its key in the OS keychain and protect it with a recovery passphrase')
    .option('--no-keychain', 'do not store the vault key in the OS keychain (unlock with the passphrase only)')
    .option('--passphrase-stdin', 'read the passphrase as one line on stdin')
    .action(async (opts: { keychain: boolean; passphraseStdin?: boolean }) => {
      const path = ctx.config.vaultPath;
      checkPermissions(path);
      if (vaultExists(path))
        throw new UserError(
          `a vault already exists at ${path}; refusing to replace it (set KAMAL_SECRET_VAULT for another one)`,
        );
      const passphrase = await newPassphrase({
        fromStdin: Boolean(opts.passphraseStdin),
        fromEnv: ctx.config.passphrase,
        envName: 'KAMAL_SECRET_PASSPHRASE',
        useTerminal: ctx.config.useTerminal,
        what: 'New recovery passphrase',
      });
      if (passphrase.length < 12)
        warn('the passphrase is shorter than 12 characters; change it with: kamal-secret passwd');
      const key = await randomKey();
      const header = await newHeader(key, passphrase);
      await createVault(path, header, key, { ...emptyPayload(), identity: await generateIdentity() });
      out(`created the vault ${path}`);
      if (!opts.keychain) {
        out('the vault key is protected by your passphrase only (--no-keychain)');
        return;
      }
      const stored = await keychainSet(header.vault_id, key, ctx.config);
      if (stored.ok)
        out(
          'stored the vault key in the OS keychain: no passphrase needed on this machine; keep the passphrase for recovery',
        );
      else info(`the vault key is protected by your passphrase only: no usable OS keychain (${stored.reason})`);
    });
  example(cmd, 'kamal-secret init\nprintf "%s\\n" "$PASSPHRASE" | kamal-secret init --passphrase-stdin --no-keychain');
}
