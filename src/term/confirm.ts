// Asking a yes-or-no question before something that cannot be undone, the way `pass rm`
// does: only when a person can answer (stdin is a terminal), the question on stderr.

import readline from 'node:readline';
import { EXIT, UserError } from '../errors.js';

/** Whether a person at a terminal can answer: stdin is a terminal and prompting is allowed. */
export const canAsk = (useTerminal: boolean) => useTerminal && Boolean(process.stdin.isTTY);

/** `question [y/N]`: true only for y or yes; no answer (Ctrl-D) is no; Ctrl-C exits 130. */
export function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve, reject) => {
    rl.on('SIGINT', () => {
      rl.close();
      reject(new UserError('interrupted', { exit: EXIT.interrupted, code: 'cancelled' }));
    });
    rl.on('close', () => resolve(false));
    rl.question(`${question} [y/N] `, (answer) => {
      resolve(/^y(es)?$/i.test(answer.trim()));
      rl.close();
    });
  });
}
