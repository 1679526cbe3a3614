// Running the command `kamal-secret run` was given, as a shell would: its output on
// ours, the signals we receive passed on to it, and its status as ours. Node built-ins
// only: the fast `run` path uses it.

import { UserError } from '../errors.js';
import { type Child, signalNumber, spawnInherited } from './spawn-inherited.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Run `command` with `env` and resolve to the status to exit with: the child's, or
 * 128 + the signal that killed it. Rejects with a UserError (exit 127 or 126) only
 * when the command could not be started, so nothing has run.
 */
export function runForwardingSignals(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    // Handlers go in before the child exists: a signal that lands while it starts would otherwise
    // kill us with the default action and leave the child running, orphaned.
    let child: Child | undefined;
    const early: NodeJS.Signals[] = [];
    const forward = (signal: NodeJS.Signals) => () => (child ? child.kill(signal) : early.push(signal));
    const handlers = FORWARDED.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    const stopForwarding = () => {
      for (const [s, h] of handlers) process.off(s, h);
    };
    child = spawnInherited(command, env, {
      failed(code, message) {
        stopForwarding();
        const notFound = code === 'ENOENT';
        reject(
          new UserError(notFound ? `${command[0]}: command not found` : `cannot run ${command[0]}: ${message}`, {
            exit: notFound ? 127 : 126,
          }),
        );
      },
      exit(code, signal) {
        stopForwarding();
        resolve(code ?? 128 + (signal ? signalNumber(signal) : 1));
      },
    });
    for (const signal of early) child.kill(signal);
  });
}
