import type { Command } from 'commander';
import { GET_OPTIONS } from '../light/get-args.js';
import { getOutput, getRequest, kamalAlterationWarning, notFound } from '../light/get-command.js';
import { info } from '../term/output.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

const getHelp = [
  '',
  'Arguments:',
  `  ${'ref'.padEnd(26)}NAME, APP/NAME, APP/DESTINATION/NAME, or :NAME (global)`,
  '',
  'Options:',
  ...Object.values(GET_OPTIONS).map((o) => `  ${o.flags.padEnd(26)}${o.help}`),
  `  ${'-h, --help'.padEnd(26)}display help for command`,
].join('\n');

export function register(program: Command, ctx: CliContext): void {
  // get's arguments are parsed by light/get-args.ts, the parser the fast path and
  // `check` use too; commander only shows the help.
  const cmd = program
    .command('get')
    .description("print a secret's value, searching APP/DEST, then APP, then the global scope")
    .usage('[options] <ref>')
    .argument('[args...]')
    .allowUnknownOption()
    .configureHelp({ visibleOptions: () => [], visibleArguments: () => [] })
    .addHelpText('after', getHelp)
    .action(async (argv: string[]) => {
      const req = getRequest(argv, ctx.config, ctx.app);
      const found = await ctx.withSession((s) => s.lookupValue(req.ref.name, req.chain));
      if (!found) throw notFound(req.ref.name, req.chain);
      process.stdout.write(getOutput(req, found));
      const warning = kamalAlterationWarning(found.ref, found.value, () => Boolean(process.stdout.isTTY));
      if (warning) info(warning);
    });
  example(
    cmd,
    'kamal-secret get RAILS_MASTER_KEY\nkamal-secret get -n TLS_KEY > key.pem\n# in .kamal/secrets:  RAILS_MASTER_KEY=$(kamal-secret get RAILS_MASTER_KEY)',
  );
}
