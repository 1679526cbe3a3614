// Asking the person at the terminal to pick one of a few answers, on the controlling
// terminal (/dev/tty), so that it works while stdout is captured or piped.

import readline from 'node:readline/promises';
import { EXIT, UserError } from '../errors.js';
import { openTerminal } from './prompt.js';

/**
 * `question`, then the numbered `answers`; the index picked (an empty answer picks the
 * first), or null when there is no terminal or `useTerminal` is false.
 */
export async function askChoice(question: string, answers: string[], useTerminal: boolean): Promise<number | null> {
  const terminal = openTerminal(useTerminal);
  if (!terminal) return null;
  const { input, output } = terminal;
  const rl = readline.createInterface({ input, output, terminal: true });
  const cancel = new AbortController();
  rl.on('SIGINT', () => cancel.abort());
  try {
    output.write(`${question}\n${answers.map((a, i) => `  ${i + 1}) ${a}\n`).join('')}`);
    for (;;) {
      const answer = (await rl.question(`Which? [1-${answers.length}, default 1]: `, { signal: cancel.signal })).trim();
      const picked = answer === '' ? 1 : Number(answer);
      if (Number.isInteger(picked) && picked >= 1 && picked <= answers.length) return picked - 1;
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError')
      throw new UserError('cancelled; nothing was changed', { exit: EXIT.interrupted, code: 'cancelled' });
    throw err;
  } finally {
    rl.close();
    terminal.close();
  }
}
