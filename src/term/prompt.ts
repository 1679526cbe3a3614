// Asking the person at the terminal: a hidden prompt on the controlling terminal
// (/dev/tty, so that it still works when stdout is captured, as in Kamal's
// `$(kamal-secret get X)`), and a new passphrase asked twice. Ctrl-C at a prompt ends
// the command with exit 130.

import fs from 'node:fs';
import tty from 'node:tty';
import { EXIT, UserError } from '../errors.js';
import { readStdinLine } from './stdin.js';

/** Open the controlling terminal, or null when there is none (CI, a daemon, a pipe) or it may not be used. */
export function openTerminal(
  allowed: boolean,
): { input: tty.ReadStream; output: tty.WriteStream; close(): void } | null {
  if (!allowed) return null;
  let fd: number;
  try {
    fd = fs.openSync('/dev/tty', 'r+');
  } catch {
    return null;
  }
  const input = new tty.ReadStream(fd);
  const output = new tty.WriteStream(fd);
  return {
    input,
    output,
    close() {
      input.destroy();
      output.destroy();
    },
  };
}

/**
 * Ask on the terminal with input hidden; null when there is no terminal (or `useTerminal`
 * is false). `required`: an empty answer is refused on the spot, and asked again.
 */
export async function promptHidden(
  message: string,
  useTerminal: boolean,
  { required = false } = {},
): Promise<string | null> {
  const terminal = openTerminal(useTerminal);
  if (!terminal) return null;
  try {
    const { default: password } = await import('@inquirer/password');
    return await password(
      {
        message,
        mask: false,
        validate: (typed) => !required || typed !== '' || 'it cannot be empty: type it, or Ctrl-C to cancel',
      },
      { input: terminal.input, output: terminal.output, clearPromptOnDone: true },
    );
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError')
      throw new UserError('cancelled', { exit: EXIT.interrupted, code: 'cancelled' });
    throw err;
  } finally {
    terminal.close();
  }
}

export interface NewPassphraseSource {
  /** read one line of stdin (--passphrase-stdin) */
  fromStdin: boolean;
  /** the value of `envName`, when set */
  fromEnv: string | undefined;
  envName: string;
  /** "New recovery passphrase": the prompt's words */
  what: string;
  useTerminal: boolean;
}

/** A new passphrase: one line of stdin, the environment, or asked twice on the terminal. */
export async function newPassphrase(source: NewPassphraseSource): Promise<string> {
  let pass: string | null | undefined = source.fromStdin ? await readStdinLine() : source.fromEnv;
  if (pass === undefined) {
    pass = await promptHidden(`${source.what}:`, source.useTerminal, { required: true });
    if (pass === null) {
      throw new UserError(
        `no ${source.what.toLowerCase()}: run on a terminal, pass one line on stdin with --passphrase-stdin, or set ${source.envName}`,
      );
    }
    const again = await promptHidden(`${source.what} (again):`, source.useTerminal);
    if (again !== pass) throw new UserError('the two passphrases differ; nothing was changed');
  }
  if (!pass) throw new UserError('the passphrase is empty; nothing was changed');
  return pass;
}
