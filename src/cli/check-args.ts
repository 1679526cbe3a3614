// `kamal-secret check`'s options, read without commander by the fast path (cli/fast-check.ts)
// and declared to commander from the same table by cli/check.ts (a test holds the two together).

import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';

/** check's options, with the words its --help shows. */
export const CHECK_OPTIONS = {
  destination: {
    type: 'string',
    short: 'd',
    flags: '-d, --destination <dest>',
    help: 'check this destination only (default: the plain deploy and every destination)',
  },
  json: { type: 'boolean', flags: '--json', help: 'print {"files", "findings"} as JSON' },
  exec: {
    type: 'boolean',
    flags: '--exec',
    help: 'also run commands other than kamal-secret get and file reads (cat, grep, cut), as Kamal would',
  },
  dotenv: { type: 'string', flags: '--dotenv <version>', help: "the dotenv gem's behaviour to model" },
} as const;

export const DOTENV_CHOICES = ['3.1', '3.2', 'both'] as const;

export interface CheckArgs {
  destination?: string;
  json: boolean;
  exec: boolean;
  dotenv: (typeof DOTENV_CHOICES)[number];
}

/** The fast path's reading of check's options; a UsageError for anything it does not take. */
export function parseCheckArgs(argv: string[]): CheckArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: CHECK_OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`check: ${(err as Error).message.split('\n')[0]}`);
  }
  const dotenv = (values.dotenv ?? 'both') as CheckArgs['dotenv'];
  if (!DOTENV_CHOICES.includes(dotenv)) throw new UsageError(`check: --dotenv must be one of ${DOTENV_CHOICES}`);
  return {
    destination: values.destination as string | undefined,
    json: values.json === true,
    exec: values.exec === true,
    dotenv,
  };
}
