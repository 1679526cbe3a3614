// What keeps the agent's memory (the vault key, decrypted values, a passphrase on its
// way through) inside it: it starts with only the environment it needs (not the
// GITLAB_TOKEN or the passphrase of whatever command started it), in `/` (so it pins
// no one's working directory), and never with core dumps enabled. Node cannot call
// setrlimit, so the launcher starts it through `sh -c 'ulimit -c 0; exec …'`, and the
// agent itself refuses to run where a crash could still write a core file.

import fs from 'node:fs';
import { UserError } from '../errors.js';
import { KEYCHAIN_ENV_NAMES } from '../light/protocol.js';

/** The variables an agent keeps from the environment of the command that starts it. */
const INHERITED = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'KAMAL_SECRET_NO_KEYCHAIN',
  'KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS',
  ...KEYCHAIN_ENV_NAMES,
] as const;

/** The agent's environment: the inherited variables that are set, and `own` (its vault, socket and times). */
export function agentEnvironment(env: NodeJS.ProcessEnv, own: Record<string, string>): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const name of INHERITED) if (env[name] !== undefined) kept[name] = env[name];
  return { ...kept, ...own };
}

/** argv for spawn: `sh -c` turns core dumps off (hard and soft limit), then becomes `command`. */
export function withoutCoreDumps(command: string[]): [string, string[]] {
  return ['/bin/sh', ['-c', 'ulimit -c 0 && exec "$@"', 'kamal-secret-agent', ...command]];
}

/** Refuse to run when this process could dump core (Linux, where /proc says; elsewhere the launcher's ulimit is trusted). */
export function refuseCoreDumps(limitsFile = '/proc/self/limits'): void {
  let limits: string;
  try {
    limits = fs.readFileSync(limitsFile, 'utf8');
  } catch {
    return;
  }
  const soft = /^Max core file size\s+(\S+)/m.exec(limits)?.[1];
  if (soft !== undefined && soft !== '0')
    throw new UserError(
      `refusing to run the agent with core dumps enabled (core file size limit: ${soft}${soft === 'unlimited' ? '' : ' bytes'}): a crash would write the vault key to disk`,
      { fix: 'run: ulimit -c 0, then start it again (kamal-secret agent start does this for you)' },
    );
}
