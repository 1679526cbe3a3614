// check's fast path reads its options with node's parseArgs (cli/check-args.ts) and the
// full CLI with commander: every command line the fast path takes must mean the same to both.
import { describe, expect, it } from 'vitest';
import { parseCheckArgs } from '../../src/cli/check-args.js';
import { cliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/main.js';
import { readConfig } from '../../src/config.js';

/** What the full CLI's commander hands check's action for `argv`. */
async function commanderReads(argv: string[]) {
  const program = buildProgram(cliContext(readConfig({}), {}, '/'));
  let read: unknown;
  program.commands
    .find((c) => c.name() === 'check')!
    .action((opts: Record<string, unknown>) => {
      read = { destination: opts.destination, json: opts.json === true, exec: opts.exec === true, dotenv: opts.dotenv };
    });
  await program.parseAsync(['node', 'kamal-secret', 'check', ...argv]);
  return read;
}

describe("check's arguments", () => {
  it.each([
    [[]],
    [['-d', 'production', '--json']],
    [['--destination=staging', '--exec']],
    [['--destination', 'a', '-d', 'b']],
    [['--dotenv', '3.1']],
    [['--dotenv=3.2', '--json', '--json']],
  ])('%j: the fast path reads what commander reads', async (argv) => {
    expect(parseCheckArgs(argv)).toEqual(await commanderReads(argv));
  });

  it.each([[['--help']], [['-h']], [['--dotenv', '4']], [['stray']], [['--unknown']], [['-d']]])(
    '%j: a usage error, left to the full CLI',
    (argv) => {
      expect(() => parseCheckArgs(argv)).toThrow(/check:/);
    },
  );
});
