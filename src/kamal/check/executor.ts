// How `check` answers each `$(…)` command, as Kamal would run it in the app's directory
// with its environment: `kamal secrets …` as Kamal evaluates it inline; a program Ruby
// cannot find as the ENOENT that empties the file; `kamal-secret get` and `fetch` by the
// same parser and scope resolver the real command uses, answered from the vault; commands
// that only read files (cat, grep, cut, head) by reading them; anything else only with
// --exec.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, readConfig } from '../../config.js';
import { UserError } from '../../errors.js';
import { findApp, type KamalApp } from '../../light/app.js';
import { GET_OPTIONS } from '../../light/get-args.js';
import { getOutput, getRequest, notFound } from '../../light/get-command.js';
import { parseRef, scopeChain } from '../../light/refs.js';
import { resolveScope } from '../../light/scope.js';
import { table } from '../../light/tables.js';
import type { Found, Unreadable } from '../../vault/secrets.js';
import { type CommandOutcome, chomp, type Executor } from '../dotenv-model.js';
import { isKamalInline, kamalFetchOutput, kamalInline } from '../kamal-secrets-command.js';
import { onPath } from '../path-lookup.js';
import { commandLine } from './command-line.js';
import { evaluateFileRead } from './file-reads.js';

export interface ExecutorOptions {
  /** the app's root, where Kamal runs the commands */
  cwd: string;
  /** Kamal's environment (kamalEnvironment: KAMAL_DESTINATION set for -d, removed otherwise) */
  env: NodeJS.ProcessEnv;
  /** the vault's answer for a name looked up along a scope chain; undefined when the vault cannot be read here */
  lookup: (name: string, chain: string[]) => Lookup;
  /** run commands check cannot evaluate otherwise, as Kamal would (--exec) */
  exec: boolean;
  /** where a command run with --exec writes its stderr (Kamal shows it) */
  stderr?: 'inherit' | 'ignore';
}

/** A value; a team secret there that its reader cannot read; nothing; or undefined: the vault cannot be read here. */
/** What a lookup answers: a value, a secret it cannot use (whose reference), nothing (null), or no vault to ask (undefined). */
export type Lookup = Found | { unreadable: Unreadable } | { binary: string } | null | undefined;

const VAULT_UNREADABLE: CommandOutcome = { kind: 'not-run', reason: 'the vault could not be read' };

export function makeExecutor(options: ExecutorOptions): Executor {
  // A file may hold thousands of commands: what does not change from one to the next
  // (the configuration, where a program is on PATH) is worked out once.
  const opts = {
    ...options,
    config: readConfig(options.env),
    app: findApp(options.cwd),
    found: new Map<string, boolean>(),
  };
  return (command: string): CommandOutcome => {
    // Kamal answers `kamal secrets …` itself, before anything is looked up on PATH.
    if (isKamalInline(command)) return kamalInline(command, opts.env);
    if (command.includes('\0')) return { kind: 'aborts', reason: 'Ruby refuses a command with a NUL byte' };
    const line = commandLine(command);
    let argv: string[] | null;
    let env = opts.env;
    if (line.shell) {
      argv = line.simple?.words ?? null;
      if (line.simple) env = { ...opts.env, ...line.simple.assignments };
    } else {
      argv = line.words;
      const missing = missingProgram(argv[0] ?? '', opts);
      if (missing) return missing;
    }
    if (argv && path.basename(argv[0] ?? '') === 'kamal-secret') {
      // /bin/sh reports a missing program and exits 127; Ruby's ENOENT was handled above.
      if (!onPathOnce(argv[0], env, opts)) return { kind: 'ran', via: 'shell', stdout: '', status: 127 };
      if (argv[1] === 'get') return kamalSecretGet(argv.slice(2), env, opts);
      if (argv[1] === 'fetch') return kamalSecretFetch(argv.slice(2), env, opts);
    }
    const read = evaluateFileRead(command, opts.cwd);
    if (read) return { kind: 'ran', via: 'file', ...read };
    if (!opts.exec)
      return {
        kind: 'not-run',
        reason: 'check runs no command but kamal-secret get and file reads (cat, grep, cut) without --exec',
      };
    return run(command, line.shell ? null : line.words, opts);
  };
}

interface Memo extends ExecutorOptions {
  /** readConfig(env) of the executor's own environment */
  config: Config;
  /** the app around cwd (its deploy.yml read once, however many lines ask) */
  app: KamalApp | null;
  /** onPath's answers, by PATH and program */
  found: Map<string, boolean>;
}

function onPathOnce(program: string, env: NodeJS.ProcessEnv, memo: Memo): boolean {
  const key = `${env.PATH}\0${program}`;
  const known = memo.found.get(key);
  if (known !== undefined) return known;
  const found = onPath(program, env);
  memo.found.set(key, found);
  return found;
}

/** Ruby's ENOENT (the file yields nothing) or EACCES (Kamal aborts) for a program it cannot exec. */
function missingProgram(program: string, opts: Memo): CommandOutcome | null {
  if (!program.includes('/')) return onPathOnce(program, opts.env, opts) ? null : { kind: 'not-found', program };
  const file = path.resolve(opts.cwd, program);
  if (!fs.existsSync(file)) return { kind: 'not-found', program };
  return onPath(file, opts.env) ? null : { kind: 'aborts', reason: `${program} is not an executable file (EACCES)` };
}

/** `kamal-secret get …` exactly as the real command answers it: same parser, same scope resolver. */
function kamalSecretGet(args: string[], env: NodeJS.ProcessEnv, opts: Memo): CommandOutcome {
  if (args.includes('-h') || args.includes('--help'))
    return { kind: 'not-run', reason: 'get --help prints the help, not a secret' };
  // With --json, the CLI prints its errors as JSON on stdout too.
  const json = args.includes('--json');
  type Why = Pick<Extract<CommandOutcome, { kind: 'ran' }>, 'missing' | 'unreadable'>;
  const failed = (err: UserError, why: Why = {}): CommandOutcome => ({
    kind: 'ran',
    via: 'vault',
    stdout: json ? `${JSON.stringify(err)}\n` : '',
    status: err.exitCode,
    ...(why.missing || why.unreadable ? why : { refused: err.message }),
  });
  let req: ReturnType<typeof getRequest>;
  try {
    req = getRequest(args, env === opts.env ? opts.config : readConfig(env), opts.app);
  } catch (err) {
    if (err instanceof UserError) return failed(err);
    throw err;
  }
  const found = opts.lookup(req.ref.name, req.chain);
  if (found === undefined) return VAULT_UNREADABLE;
  if (!found) return failed(notFound(req.ref.name, req.chain), { missing: { name: req.ref.name, chain: req.chain } });
  if ('unreadable' in found) {
    const { why, fix } = found.unreadable;
    return failed(new UserError(why, { code: 'no_access', fix }), { unreadable: found.unreadable });
  }
  if ('binary' in found) {
    // get --json prints them as base64 in its JSON object (stood in for here without them)
    if (req.args.json)
      return { kind: 'ran', via: 'vault', stdout: `{"ref":"${found.binary}"}\n`, status: 0, altered: JSON_ALTERED };
    // get prints the bytes themselves, which this model does not have: the finding says what they do to Kamal
    return { kind: 'ran', via: 'vault', stdout: '', status: 0, binary: found.binary };
  }
  const output = getOutput(req, found);
  // get prints bytes only for a value that is not text (a NUL in it); Kamal reads them as a string too.
  const stdout = typeof output === 'string' ? output : output.toString('utf8');
  const outcome: CommandOutcome = { kind: 'ran', via: 'vault', stdout, status: 0 };
  if (chomp(stdout) !== found.value)
    outcome.altered = req.args.json
      ? JSON_ALTERED
      : 'the value ends in a line break, and Kamal removes one line break from the end of what the command prints';
  return outcome;
}

const JSON_ALTERED = 'get --json prints a JSON object, and Kamal deploys the object, not the value';

/** `kamal-secret fetch NAME… [--scope S] [-d D] [-g]`: the shell-escaped JSON `kamal secrets extract` reads. */
function kamalSecretFetch(args: string[], env: NodeJS.ProcessEnv, opts: Memo): CommandOutcome {
  const { scope, destination, global } = GET_OPTIONS;
  const values: Record<string, string> = table();
  try {
    const parsed = parseArgs({ args, options: { scope, destination, global }, allowPositionals: true, strict: true });
    if (!parsed.positionals.length) return { kind: 'ran', via: 'vault', stdout: '', status: 2 };
    const defaultScope = resolveScope(parsed.values, env === opts.env ? opts.config : readConfig(env), opts.app);
    for (const text of parsed.positionals) {
      const ref = parseRef(text, defaultScope);
      const found = opts.lookup(ref.name, scopeChain(ref.scope));
      if (found === undefined) return VAULT_UNREADABLE;
      if (!found)
        return {
          kind: 'ran',
          via: 'vault',
          stdout: '',
          status: 1,
          missing: { name: ref.name, chain: scopeChain(ref.scope) },
        };
      if ('unreadable' in found)
        return { kind: 'ran', via: 'vault', stdout: '', status: 1, unreadable: found.unreadable };
      if ('binary' in found) return { kind: 'ran', via: 'vault', stdout: '', status: 1, binary: found.binary };
      values[ref.name] = found.value;
    }
  } catch (err) {
    if (err instanceof UserError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
      return { kind: 'ran', via: 'vault', stdout: '', status: 2, refused: (err as Error).message.split('\n')[0] };
    throw err;
  }
  return { kind: 'ran', via: 'vault', stdout: `${kamalFetchOutput(values)}\n`, status: 0 };
}

/** --exec: the command run as Ruby's backticks run it, in the app with Kamal's environment. */
function run(command: string, words: string[] | null, opts: ExecutorOptions): CommandOutcome {
  const options = {
    cwd: opts.cwd,
    env: opts.env,
    encoding: 'utf8' as const,
    stdio: ['inherit', 'pipe', opts.stderr ?? 'inherit'] as ['inherit', 'pipe', 'inherit' | 'ignore'],
    timeout: 60_000,
    maxBuffer: 16 << 20,
  };
  // Loaded here: only --exec runs commands, and check without it spares the start-up the module.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const r = words ? spawnSync(words[0], words.slice(1), options) : spawnSync('/bin/sh', ['-c', command], options);
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' && words)
    return { kind: 'not-found', program: words[0] };
  return { kind: 'ran', via: words ? 'exec' : 'shell', stdout: r.stdout ?? '', status: r.status ?? 1 };
}
