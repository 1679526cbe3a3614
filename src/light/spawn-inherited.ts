// Starting a command on our standard input, output and error: on Node's process handle
// where that is used (node-handles.ts), else through child_process. child-process.ts runs
// `kamal-secret run`'s command with it, the same way over either.

import { createRequire } from 'node:module';
import { type NodeHandles, nodeHandles } from './node-handles.js';

export interface ChildEvents {
  /** It could not start: `code` as errno names it (ENOENT, EACCES, …). */
  failed(code: string | undefined, message: string): void;
  /** It ended: its status, or the signal that killed it. */
  exit(code: number | null, signal: NodeJS.Signals | null): void;
}

export interface Child {
  kill(signal: NodeJS.Signals): void;
}

/**
 * Start `command` (looked up in PATH) with `env`; every event comes after this returns.
 * `handles`: Node's (node-handles.ts), or null for child_process.
 */
export function spawnInherited(
  command: string[],
  env: NodeJS.ProcessEnv,
  on: ChildEvents,
  handles = nodeHandles(),
): Child {
  if (!command[0]) return notStarted(on, 'ENOENT', 'spawn ENOENT'); // as a shell says of "": not found
  return handles ? handleSpawn(handles, command, env, on) : childProcessSpawn(command, env, on);
}

const INHERIT = [0, 1, 2].map((fd) => ({ type: 'inherit' as const, fd }));

function handleSpawn(h: NodeHandles, command: string[], env: NodeJS.ProcessEnv, on: ChildEvents): Child {
  const child = new h.Process();
  let running = false; // kill() only then: the handle's pid is garbage before, and reused after
  child.onexit = (code, signal) => {
    running = false;
    child.close();
    // A signal Node has no name for (a real-time one) comes as (0, ''): indistinguishable from 0.
    on.exit(signal ? null : code, signal || null);
  };
  // What child_process.spawn hands the same handle, for the same options.
  const status = child.spawn({ file: command[0], args: command, envPairs: envPairs(env), stdio: INHERIT });
  if (status < 0) {
    child.close();
    const { getSystemErrorName } = createRequire(import.meta.url)('node:util') as typeof import('node:util');
    const code = getSystemErrorName(status);
    return notStarted(on, code, `spawn ${command[0]} ${code}`);
  }
  running = true;
  return {
    kill: (signal) => {
      if (running) child.kill(signalNumber(signal));
    },
  };
}

/** As child_process builds them: NAME=value for each variable that has a value. */
function envPairs(env: NodeJS.ProcessEnv): string[] {
  const pairs: string[] = [];
  for (const name in env) if (env[name] !== undefined) pairs.push(`${name}=${env[name]}`);
  return pairs;
}

function childProcessSpawn(command: string[], env: NodeJS.ProcessEnv, on: ChildEvents): Child {
  // Loaded here, not at the top: where the handles serve, the process never loads child_process.
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(command[0], command.slice(1), { env, stdio: 'inherit' });
  } catch (err) {
    // spawn throws what it finds at once (E2BIG, ENOTDIR, …) and reports the rest as 'error'.
    const { code, message } = err as NodeJS.ErrnoException;
    return notStarted(on, code, message);
  }
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (child.pid === undefined) on.failed(err.code, err.message);
    // else a signal we could not pass on; the child still runs, and 'exit' follows
  });
  child.on('exit', on.exit);
  return { kill: (signal) => child.kill(signal) };
}

/** A child that never started: `failed` comes after the caller has the (inert) child. */
function notStarted(on: ChildEvents, code: string | undefined, message: string): Child {
  process.nextTick(on.failed, code, message);
  return { kill: () => {} };
}

/** The number of a signal Node names (node:os is loaded only then: no signal, no cost at start). */
export function signalNumber(signal: NodeJS.Signals): number {
  return (createRequire(import.meta.url)('node:os') as typeof import('node:os')).constants.signals[signal];
}
