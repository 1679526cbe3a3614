import { type Command, Option } from 'commander';
import { UserError } from '../errors.js';
import { warn } from '../term/output.js';
import type { AllSecrets } from '../vault/secrets.js';
import { CHECK_OPTIONS, type CheckArgs, DOTENV_CHOICES } from './check-args.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  // The fast path (cli/fast-check.ts) reads the same options with node's parseArgs; a
  // test holds the two together.
  const { destination, json, exec, dotenv } = CHECK_OPTIONS;
  const cmd = program
    .command('check')
    .description('lint config/deploy.yml and .kamal/secrets* against how Kamal really parses them')
    .option(destination.flags, destination.help)
    .option(json.flags, json.help)
    .option(exec.flags, exec.help)
    .addOption(new Option(dotenv.flags, dotenv.help).choices(DOTENV_CHOICES).default('both'))
    .action(async (opts: { destination?: string; json?: boolean; exec?: boolean; dotenv: CheckArgs['dotenv'] }) => {
      const args: CheckArgs = { ...opts, json: Boolean(opts.json), exec: Boolean(opts.exec) };
      const app = ctx.app;
      if (!app) throw new UserError('no config/deploy.yml here or above; run check inside a Kamal app');
      const { checkApp, printReport } = await import('./check-report.js');
      let note: string | undefined;
      const report = await checkApp(args, app.root, ctx.env, async () => {
        const vault = await readWholeVault(ctx);
        note = vault.note;
        return vault.secrets;
      });
      if (note) warn(`the vault was not read, so kamal-secret get lines were not checked: ${note}`);
      process.exitCode = printReport(report, args, ctx.cwd);
    });
  example(cmd, 'kamal-secret check\nkamal-secret check -d production --json');
}

/** Every secret by reference, or null with the reason when the vault cannot be opened. */
async function readWholeVault(ctx: CliContext): Promise<{ secrets: AllSecrets | null; note?: string }> {
  try {
    return { secrets: await ctx.withSession((s) => s.all()) };
  } catch (err) {
    if (err instanceof UserError) return { secrets: null, note: err.message };
    throw err;
  }
}
