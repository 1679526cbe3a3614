// Running the commands the old secrets files name, as Kamal would and once each: one
// cache for the whole migration, so a password manager asks once, and verification
// replays what ran instead of running anything again.
//
// `kamal secrets fetch` goes to the app's real Kamal when there is one, else to the
// adapters kamal migrate calls itself (adapters/); everything else is check's executor
// with --exec (kamal-secret get from the vault, file reads, then real commands).

import { makeExecutor } from '../check/executor.js';
import { evaluateFileRead } from '../check/file-reads.js';
import { type CommandOutcome, type Executor, shellSplit } from '../dotenv-model.js';
import { fetchOptions, isKamalInline, kamalInline } from '../kamal-secrets-command.js';
import { fetchRequest, fetchWithoutKamal } from './adapters/index.js';
import { fetchThroughKamal, type RealKamal } from './real-kamal.js';

export interface CommandRunnerOptions {
  cwd: string;
  kamal: RealKamal | null;
  /** the vault's answer for `kamal-secret get` lines */
  lookup: (name: string, chain: string[]) => { ref: string; value: string } | null;
}

export class CommandRunner {
  private readonly outcomes = new Map<string, CommandOutcome>();
  /** for a file read that delivers a value altered (the .env grep | cut hack): the value the file gives */
  private readonly intended = new WeakMap<CommandOutcome, string>();

  constructor(private readonly opts: CommandRunnerOptions) {}

  /** The executor for one deploy: its environment (which sets the scope `kamal-secret get` defaults to), and that scope. */
  executor(env: NodeJS.ProcessEnv, scope: string): Executor {
    const other = makeExecutor({ cwd: this.opts.cwd, env, exec: true, lookup: this.opts.lookup });
    return (command) => {
      const fetch = fetchArguments(command);
      // A fetch asks the password manager, whatever the destination; anything else may
      // depend on KAMAL_DESTINATION or on the deploy's scope, as it does under Kamal.
      const key = fetch ? command : `${env.KAMAL_DESTINATION ?? ''}\0${scope}\0${command}`;
      let outcome = this.outcomes.get(key);
      if (!outcome) {
        outcome = fetch ? this.fetch(command, fetch, env) : other(command);
        this.outcomes.set(key, outcome);
        const meant =
          outcome.kind === 'ran' && outcome.altered ? evaluateFileRead(command, this.opts.cwd)?.intended : undefined;
        if (meant !== undefined) this.intended.set(outcome, meant);
      }
      return outcome;
    };
  }

  /** The value a command's altered output stands for, where the model knows it. */
  intendedOutput(outcome: CommandOutcome): string | undefined {
    return this.intended.get(outcome);
  }

  /** What the commands gave, without running any: for verification, where a new command means a value was run as one. */
  replay(env: NodeJS.ProcessEnv, scope: string): Executor {
    return (command) => {
      const fetch = fetchArguments(command);
      const key = fetch ? command : `${env.KAMAL_DESTINATION ?? ''}\0${scope}\0${command}`;
      return this.outcomes.get(key) ?? { kind: 'not-run', reason: 'a command no old file ran' };
    };
  }

  private fetch(command: string, args: string[], env: NodeJS.ProcessEnv): CommandOutcome {
    const ctx = { cwd: this.opts.cwd, env };
    if (this.opts.kamal) return fetchThroughKamal(this.opts.kamal, args, ctx);
    const opts = fetchOptions(args);
    const req = opts?.adapter ? fetchRequest({ ...opts, adapter: opts.adapter }) : null;
    if (!req || req.adapter === 'test') return kamalInline(command, env); // its model says what Kamal does
    return fetchWithoutKamal(req, ctx);
  }
}

/** The arguments of `kamal secrets fetch …` (after "fetch"), or null for any other command. */
export function fetchArguments(command: string): string[] | null {
  if (!isKamalInline(command)) return null;
  try {
    const words = shellSplit(command);
    return words[0] === 'kamal' && words[1] === 'secrets' && words[2] === 'fetch' ? words.slice(3) : null;
  } catch {
    return null;
  }
}
