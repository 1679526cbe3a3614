import type { Command } from 'commander';
import { NEW_PASSPHRASE_ENV, newPassphrase } from '../keychain/passphrase.js';
import { vaultPath } from '../vault/paths.js';
import { example } from './options.js';
import { out } from './output.js';
import { withSession } from './session.js';

export function register(program: Command): void {
  const cmd = program
    .command('passwd')
    .description('change the recovery passphrase (rewraps the vault key; no secret is re-encrypted)')
    .option(
      '--passphrase-stdin',
      `read the new passphrase as one line on stdin (else ${NEW_PASSPHRASE_ENV}, else asked twice)`,
    )
    .action(async (opts: { passphraseStdin?: boolean }) => {
      await withSession(async (session) => {
        const next = await newPassphrase({
          fromStdin: Boolean(opts.passphraseStdin),
          envName: NEW_PASSPHRASE_ENV,
          what: 'New recovery passphrase',
        });
        await session.rewrap(next);
      });
      out(`changed the passphrase of ${vaultPath()}`);
    });
  example(cmd, 'kamal-secret passwd');
}
