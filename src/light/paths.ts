// Files beside the vault, and whether a socket is safe to talk to. (Where the vault
// and the socket are comes from config.ts.)

import { lstatSync } from 'node:fs';

export const backupPathOf = (vault: string) => `${vault}.bak`;
export const lockPathOf = (vault: string) => `${vault}.lock`;

/** True when `sock` exists and belongs to this user (a socket of someone else is never trusted). */
export function socketIsOurs(sock: string): boolean {
  try {
    const st = lstatSync(sock);
    return st.isSocket() && st.uid === (process.getuid?.() ?? st.uid);
  } catch {
    return false;
  }
}
