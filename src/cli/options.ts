// Options shared by several commands.

import { type Command, Option } from 'commander';

export function scopeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--scope <scope>',
      'work in this scope: APP or APP/DESTINATION (default: KAMAL_SECRET_SCOPE, else the service of config/deploy.yml)',
    )
    .option('-g, --global', 'work in the global scope')
    .addOption(new Option('-d, --destination <dest>', 'Kamal destination (default: KAMAL_DESTINATION)'));
}

export function example(cmd: Command, text: string): Command {
  return cmd.addHelpText('after', `\nExample:\n${text.replace(/^/gm, '  $ ')}\n`);
}
