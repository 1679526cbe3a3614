// The full command-line program. bin/kamal-secret.js comes here for everything but
// the fast paths. This is the one place that reads the environment (config.ts) and
// the one place that renders errors: a line on stderr, and with --json also
// {"error": {"code", "message", "fix"}} on stdout.

import { Command, CommanderError } from 'commander';
import { readConfig } from '../config.js';
import { EXIT, UserError } from '../errors.js';
import { configureOutput, error, json } from '../term/output.js';
import { VERSION } from '../version.js';
import * as agent from './agent.js';
import * as check from './check.js';
import * as completion from './completion.js';
import { type CliContext, cliContext } from './context.js';
import * as doctor from './doctor.js';
import * as exportCmd from './export.js';
import * as fetch from './fetch.js';
import * as get from './get.js';
import * as gitlab from './gitlab.js';
import * as importCmd from './import.js';
import * as init from './init.js';
import * as kamal from './kamal.js';
import * as list from './list.js';
import * as passwd from './passwd.js';
import * as rm from './rm.js';
import * as run from './run.js';
import * as set from './set.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('kamal-secret')
    .description('A local, encrypted secrets manager for Kamal deploys')
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.replace(/^error: /, 'kamal-secret: ')) });
  for (const mod of [
    init,
    set,
    get,
    list,
    rm,
    importCmd,
    exportCmd,
    passwd,
    run,
    check,
    fetch,
    kamal,
    gitlab,
    agent,
    doctor,
    completion,
  ])
    mod.register(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const config = readConfig(process.env);
  configureOutput({ color: config.color });
  const asJson = argv.includes('--json');
  try {
    await buildProgram(cliContext(config, process.env, process.cwd())).parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err, asJson);
  }
}

function exitCodeFor(err: unknown, asJson: boolean): number {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; parse errors were already printed.
    if (err.exitCode === 0) return EXIT.ok;
    if (asJson) json(new UserError(err.message.replace(/^error: /, ''), EXIT.usage));
    return EXIT.usage;
  }
  const failure = err instanceof UserError ? err : systemRefusal(err);
  if (!failure) throw err;
  if (asJson) json(failure);
  error(failure.line);
  return failure.exitCode;
}

/**
 * What the system refused (a directory we may not create, a full disk, a read-only
 * file system) is the user's to fix, and Node's message says what and where.
 */
function systemRefusal(err: unknown): UserError | null {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code && SYSTEM_REFUSALS.has(code) ? new UserError((err as Error).message, { code: 'system' }) : null;
}

const SYSTEM_REFUSALS = new Set([
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EROFS',
  'EDQUOT',
  'ENOTDIR',
  'EISDIR',
  'ENAMETOOLONG',
  'ELOOP',
  'EMFILE',
  'ENFILE',
  'EEXIST',
]);
