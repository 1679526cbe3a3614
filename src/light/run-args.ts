// `kamal-secret run`'s arguments for the fast path: the plain spellings of run's options
// before the command, which the full CLI's commander reads the same way (a test holds the
// two together). Anything else is left to the full CLI, which also explains mistakes.

import type { RunArgs } from './run-command.js';

const VALUE_OPTIONS: Record<string, 'scope' | 'destination'> = {
  '--scope': 'scope',
  '-d': 'destination',
  '--destination': 'destination',
};
const FLAGS: Record<string, 'global' | 'preserveEnv' | 'quiet'> = {
  '-g': 'global',
  '--global': 'global',
  '--preserve-env': 'preserveEnv',
  '-q': 'quiet',
  '--quiet': 'quiet',
};

/** `[options] [--] COMMAND [ARGS…]`, or null for anything the fast path leaves to the full CLI. */
export function parseRunArgs(argv: string[]): RunArgs | null {
  const values: { scope?: string; destination?: string } = {};
  const flags = { global: false, preserveEnv: false, quiet: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const [option, inline] = splitInlineValue(arg);
    if (VALUE_OPTIONS[option]) {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('-'))) return null;
      values[VALUE_OPTIONS[option]] = value;
    } else if (FLAGS[arg]) {
      flags[FLAGS[arg]] = true;
    } else {
      return null;
    }
  }
  const command = argv.slice(i);
  if (command.length === 0) return null;
  return {
    command,
    scope: { scope: values.scope, destination: values.destination, global: flags.global },
    preserveEnv: flags.preserveEnv,
    quiet: flags.quiet,
  };
}

/** `--scope=shop` → ['--scope', 'shop']; anything else as it is. */
function splitInlineValue(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq !== -1 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}
