import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { initEnvMode } from '../kamal/init.js';
import { out } from '../term/output.js';
import type { CliContext } from './context.js';
import { registerMigrate } from './kamal-migrate.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const kamal = program.command('kamal').description('wire a Kamal app to kamal-secret');
  const init = kamal
    .command('init')
    .description(
      'write .kamal/secrets in env mode for the names deploy.yml needs (with destinations: .kamal/secrets-common for the names all need, .kamal/secrets.DEST for the rest), and install a pre-connect hook that refuses empty secrets',
    )
    .option('--force', 'overwrite an existing file')
    .action((opts: { force?: boolean }) => {
      const app = ctx.app;
      if (!app) throw new UserError('no config/deploy.yml here or above; run this inside a Kamal app');
      const result = initEnvMode(app.root, { force: Boolean(opts.force) });
      for (const { file, names } of result.files)
        out(`wrote ${path.relative(ctx.cwd, file) || file} with ${names.length} names: ${names.join(' ')}`);
      out(result.hookNote);
    });
  example(init, 'kamal-secret kamal init && kamal-secret check');
  registerMigrate(kamal, ctx);
}
