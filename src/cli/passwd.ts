import type { Command } from 'commander';
import { out } from '../term/output.js';
import { newPassphrase } from '../term/prompt.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('passwd')
    .description('change the recovery passphrase (rewraps the vault key; no secret is re-encrypted)')
    .option(
      '--passphrase-stdin',
      `read the new passphrase as one line on stdin (else KAMAL_SECRET_NEW_PASSPHRASE, else asked twice)`,
    )
    .action(async (opts: { passphraseStdin?: boolean }) => {
      await ctx.withSession(async (session) => {
        const next = await newPassphrase({
          fromStdin: Boolean(opts.passphraseStdin),
          fromEnv: ctx.config.newPassphrase,
          envName: 'KAMAL_SECRET_NEW_PASSPHRASE',
          useTerminal: ctx.config.useTerminal,
          what: 'New recovery passphrase',
        });
        await session.rewrap(next);
      });
      out(`changed the passphrase of ${ctx.config.vaultPath}`);
    });
  example(cmd, 'kamal-secret passwd');
}
