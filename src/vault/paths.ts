import os from 'node:os';
import path from 'node:path';

/** Where the vault lives: KAMAL_SECRET_VAULT, else the platform's data directory. */
export function vaultPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAMAL_SECRET_VAULT) return path.resolve(env.KAMAL_SECRET_VAULT);
  return path.join(dataDir(env), 'vault.json');
}

/** The per-user data directory (XDG data home on Linux, Application Support on macOS). */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KAMAL_SECRET_VAULT) return path.dirname(path.resolve(env.KAMAL_SECRET_VAULT));
  const home = os.homedir();
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'kamal-secret');
  const xdg =
    env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share');
  return path.join(xdg, 'kamal-secret');
}

export const backupPathOf = (vault: string) => `${vault}.bak`;
export const lockPathOf = (vault: string) => `${vault}.lock`;
