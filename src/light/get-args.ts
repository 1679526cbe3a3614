// The one parser of `kamal-secret get`'s arguments, used by the fast path, the full
// CLI and `check` (which reads them out of `$(kamal-secret get …)` lines): node's own
// parseArgs, so that all three accept and refuse exactly the same command lines.

import { parseArgs } from 'node:util';
import { UsageError } from '../errors.js';
import type { ScopeOptions } from './scope.js';

/** get's options, with the words its --help shows. */
export const GET_OPTIONS = {
  scope: { type: 'string', flags: '--scope <scope>', help: 'look up from this scope: APP or APP/DESTINATION' },
  destination: {
    type: 'string',
    short: 'd',
    flags: '-d, --destination <dest>',
    help: 'Kamal destination (default: KAMAL_DESTINATION)',
  },
  global: { type: 'boolean', short: 'g', flags: '-g, --global', help: 'look up in the global scope only' },
  'no-newline': {
    type: 'boolean',
    short: 'n',
    flags: '-n, --no-newline',
    help: 'print the value without a newline after it',
  },
  json: { type: 'boolean', flags: '--json', help: 'print {"ref", "scope", "name", "value"} as JSON' },
} as const;

export interface GetArgs {
  ref: string;
  scope: ScopeOptions;
  noNewline: boolean;
  json: boolean;
}

/** `REF [--scope S] [-d D] [-g] [-n] [--json]`; a usage error (exit 2) for anything else. */
export function parseGetArgs(args: string[]): GetArgs {
  // `get NAME`, the form nearly every `$(…)` line uses, is what parseArgs would make of it;
  // answering it directly spares the fast path loading parseArgs (about a millisecond).
  if (args.length === 1 && !args[0].startsWith('-')) {
    return {
      ref: args[0],
      scope: { scope: undefined, destination: undefined, global: false },
      noNewline: false,
      json: false,
    };
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: GET_OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    throw new UsageError(`get: ${(err as Error).message.split('\n')[0]}`);
  }
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length
        ? `get takes one reference, not ${positionals.length}`
        : 'get needs a reference: kamal-secret get NAME',
    );
  }
  return {
    ref: positionals[0],
    scope: {
      scope: values.scope as string | undefined,
      destination: values.destination as string | undefined,
      global: values.global === true,
    },
    noNewline: values['no-newline'] === true,
    json: values.json === true,
  };
}
