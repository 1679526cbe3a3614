// run's fast path reads its options with light/run-args.ts and the full CLI with
// commander: every command line the fast path takes must mean the same to both, and
// everything else is left to the full CLI.
import { describe, expect, it } from 'vitest';
import { cliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/main.js';
import { readConfig } from '../../src/config.js';
import { parseRunArgs } from '../../src/light/run-args.js';

/** What the full CLI's commander hands run's action for `argv`. */
async function commanderReads(argv: string[]) {
  const program = buildProgram(cliContext(readConfig({}), {}, '/'));
  const run = program.commands.find((c) => c.name() === 'run')!;
  let read: unknown;
  run.action((command: string[], opts: Record<string, unknown>) => {
    read = {
      command,
      scope: { scope: opts.scope, destination: opts.destination, global: opts.global === true },
      preserveEnv: opts.preserveEnv === true,
      quiet: opts.quiet === true,
    };
  });
  await program.parseAsync(['node', 'kamal-secret', 'run', ...argv]);
  return read;
}

describe("run's arguments", () => {
  it.each([
    [['--', 'kamal', 'deploy']],
    [['kamal', 'deploy', '-d', 'staging', '--help']],
    [['-d', 'production', '--', 'kamal', 'deploy']],
    [['--destination', 'production', 'bin/kamal']],
    [['--destination=production', '--scope=shop', 'kamal']],
    [['--scope', 'shop/x', '-g', '--', 'env']],
    [['--scope=', '--', 'env']],
    [['-q', '--preserve-env', '--', 'sh', '-c', 'echo --help']],
    [['--quiet', 'sh', '--scope', 'x']],
    [['--', '--scope', 'y']],
    [['-d', 'a', '-d', 'b', 'true']],
    [['--global', '--', 'a', '--', 'b']],
    [['-', 'a']],
  ])('%j: the fast path reads what commander reads', async (argv) => {
    const fast = parseRunArgs(argv);
    expect(fast).not.toBeNull();
    expect(fast).toEqual(await commanderReads(argv));
  });

  it.each([
    [[]],
    [['--']],
    [['-h']],
    [['--help', '--', 'x']],
    [['--unknown', '--', 'x']],
    [['-gq', 'x']],
    [['-dproduction', 'x']],
    [['-d=production', 'x']],
    [['--scope']],
    [['-d', '--', 'x']],
    [['--global=yes', 'x']],
  ])('%j: left to the full CLI', (argv) => {
    expect(parseRunArgs(argv)).toBeNull();
  });
});
