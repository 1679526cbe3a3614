// The full command-line program. bin/kamal-secret.js comes here for everything but
// the fast `get` path.

import { Command, CommanderError } from 'commander';
import { EXIT, UserError } from '../errors.js';
import { VERSION } from '../version.js';
import * as agent from './agent.js';
import * as check from './check.js';
import * as doctor from './doctor.js';
import * as exportCmd from './export.js';
import * as fetch from './fetch.js';
import * as get from './get.js';
import * as gitlab from './gitlab.js';
import * as importCmd from './import.js';
import * as init from './init.js';
import * as kamal from './kamal.js';
import * as list from './list.js';
import { error } from './output.js';
import * as passwd from './passwd.js';
import * as rm from './rm.js';
import * as run from './run.js';
import * as set from './set.js';

export function buildProgram(): Command {
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
  ])
    mod.register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; parse errors were already printed.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UserError) {
    error(err.message);
    return err.exitCode;
  }
  // What the system refused (a directory we may not create, a full disk, a read-only
  // file system) is the user's to fix, and Node's message says what and where.
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code && SYSTEM_REFUSALS.has(code)) {
    error((err as Error).message);
    return EXIT.error;
  }
  throw err;
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
