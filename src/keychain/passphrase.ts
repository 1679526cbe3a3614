// Where a passphrase comes from when no keychain key is at hand: the environment
// (KAMAL_SECRET_PASSPHRASE, for headless use), one line on stdin when the user asks
// for it, or a hidden prompt on the controlling terminal (/dev/tty, so that it still
// works when stdout is captured, as in Kamal's `$(kamal-secret get X)`).

import fs from 'node:fs';
import tty from 'node:tty';
import { UserError } from '../errors.js';

export const PASSPHRASE_ENV = 'KAMAL_SECRET_PASSPHRASE';
export const NEW_PASSPHRASE_ENV = 'KAMAL_SECRET_NEW_PASSPHRASE';

export function passphraseFromEnv(name = PASSPHRASE_ENV): string | undefined {
  const v = process.env[name];
  return v ? v : undefined;
}

export async function readStdinAll(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The first line of stdin (without its newline). */
export async function readStdinLine(): Promise<string> {
  return (await readStdinAll()).split(/\r?\n/)[0];
}

/** Open the controlling terminal, or null when there is none (CI, a daemon, a pipe). */
function openTerminal(): { input: tty.ReadStream; output: tty.WriteStream; close(): void } | null {
  if (process.env.KAMAL_SECRET_NO_TTY === '1') return null;
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

/** Ask on the terminal with input hidden; null when there is no terminal. */
export async function promptHidden(message: string): Promise<string | null> {
  const terminal = openTerminal();
  if (!terminal) return null;
  try {
    const { default: password } = await import('@inquirer/password');
    return await password(
      { message, mask: false },
      { input: terminal.input, output: terminal.output, clearPromptOnDone: true },
    );
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new UserError('cancelled');
    throw err;
  } finally {
    terminal.close();
  }
}

/** A new passphrase: from `stdinLine`, from `envName`, or asked twice on the terminal. */
export async function newPassphrase(opts: { fromStdin: boolean; envName: string; what: string }): Promise<string> {
  let pass: string | null | undefined;
  if (opts.fromStdin) pass = await readStdinLine();
  else pass = passphraseFromEnv(opts.envName);
  if (pass === undefined) {
    pass = await promptHidden(`${opts.what}:`);
    if (pass === null) {
      throw new UserError(
        `no ${opts.what.toLowerCase()}: run on a terminal, pass one line on stdin with --passphrase-stdin, or set ${opts.envName}`,
      );
    }
    const again = await promptHidden(`${opts.what} (again):`);
    if (again !== pass) throw new UserError('the two passphrases differ; nothing was changed');
  }
  if (!pass) throw new UserError('the passphrase is empty; nothing was changed');
  return pass;
}
