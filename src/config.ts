// Every environment variable kamal-secret reads, with its default, in one place. The
// CLI edge (and each fast path) reads the environment once with readConfig(); library
// code gets what it needs from the Config or from its caller, never from process.env.
// Node built-ins only: the fast bundles use this module.

import { lstatSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';

/** The variables, their defaults and meanings: the README's table is checked against this list. */
export const VARIABLES = {
  KAMAL_SECRET_VAULT: 'the vault file (default: $XDG_DATA_HOME/kamal-secret/vault.json)',
  KAMAL_SECRET_PASSPHRASE: 'the passphrase, instead of a prompt',
  KAMAL_SECRET_NEW_PASSPHRASE: 'the new passphrase for passwd',
  KAMAL_SECRET_SCOPE: 'the default scope',
  KAMAL_SECRET_NO_KEYCHAIN: '1: never use the OS keychain',
  KAMAL_SECRET_NO_AGENT: '1: unlock in each process instead of through the agent',
  KAMAL_SECRET_NO_TTY: '1: never prompt on the terminal',
  KAMAL_SECRET_AGENT_SOCK: "the agent's socket",
  KAMAL_SECRET_AGENT_TTL: 'idle lock time of an agent started on demand (1h)',
  KAMAL_SECRET_AGENT_MAX_TTL: 'hard lock time of an agent started on demand (12h)',
  KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS: 'how long a keychain call may take (3000)',
  KAMAL_DESTINATION: 'the Kamal destination (Kamal sets it for -d)',
  GITLAB_TOKEN: 'the GitLab token for gitlab sync',
  GITLAB_URL: 'the GitLab base URL (else CI_SERVER_URL, else https://gitlab.com)',
  CI_SERVER_URL: 'the GitLab base URL inside a GitLab CI job',
  NO_COLOR: 'any value: no colours',
} as const;

/** Variables that steer kamal-secret itself: never handed to a command that `run` starts. */
export const CONTROL_VARIABLES = [
  'KAMAL_SECRET_PASSPHRASE',
  'KAMAL_SECRET_NEW_PASSPHRASE',
  'KAMAL_SECRET_NO_KEYCHAIN',
  'KAMAL_SECRET_NO_AGENT',
  'KAMAL_SECRET_NO_TTY',
  'KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS',
] as const;

export interface Config {
  /** the vault file */
  vaultPath: string;
  /** the agent's Unix socket, named after the vault so that each vault has its own agent */
  agentSocket: string;
  /** why the socket is not in its usual directory, when it is not (worth telling the user) */
  agentSocketNote: string | undefined;
  passphrase: string | undefined;
  newPassphrase: string | undefined;
  /** KAMAL_SECRET_SCOPE */
  scope: string | undefined;
  /** KAMAL_DESTINATION */
  destination: string | undefined;
  useKeychain: boolean;
  useAgent: boolean;
  useTerminal: boolean;
  agentTtl: string;
  agentMaxTtl: string;
  keychainTimeoutMs: number;
  gitlabToken: string | undefined;
  gitlabUrl: string;
  color: boolean;
}

export function readConfig(env: NodeJS.ProcessEnv): Config {
  const vaultPath = env.KAMAL_SECRET_VAULT ? resolve(env.KAMAL_SECRET_VAULT) : join(dataDir(env), 'vault.json');
  const timeout = Number(env.KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS);
  const socket = env.KAMAL_SECRET_AGENT_SOCK
    ? { path: resolve(env.KAMAL_SECRET_AGENT_SOCK), note: undefined }
    : defaultSocket(env, vaultPath);
  return {
    vaultPath,
    agentSocket: socket.path,
    agentSocketNote: socket.note,
    passphrase: env.KAMAL_SECRET_PASSPHRASE || undefined,
    newPassphrase: env.KAMAL_SECRET_NEW_PASSPHRASE || undefined,
    scope: env.KAMAL_SECRET_SCOPE,
    destination: env.KAMAL_DESTINATION || undefined,
    useKeychain: env.KAMAL_SECRET_NO_KEYCHAIN !== '1',
    useAgent: env.KAMAL_SECRET_NO_AGENT !== '1',
    useTerminal: env.KAMAL_SECRET_NO_TTY !== '1',
    agentTtl: env.KAMAL_SECRET_AGENT_TTL || '1h',
    agentMaxTtl: env.KAMAL_SECRET_AGENT_MAX_TTL || '12h',
    keychainTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 3000,
    gitlabToken: env.GITLAB_TOKEN || undefined,
    gitlabUrl: env.GITLAB_URL || env.CI_SERVER_URL || 'https://gitlab.com',
    color: !env.NO_COLOR && env.TERM !== 'dumb',
  };
}

/** The per-user data directory (XDG data home on Linux, Application Support on macOS). */
function dataDir(env: NodeJS.ProcessEnv): string {
  const home = homeDirectory(env);
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'kamal-secret');
  const xdg = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(home, '.local', 'share');
  return join(xdg, 'kamal-secret');
}

/**
 * The home directory as os.homedir() gives it (on POSIX: $HOME whenever it is set, even
 * empty), read from `env`, and without loading node:os (about 1% of a fast path's start).
 */
function homeDirectory(env: NodeJS.ProcessEnv): string {
  return env.HOME !== undefined && process.platform !== 'win32' ? env.HOME : os().homedir();
}

/** os.tmpdir() as Node computes it on POSIX (lib/os.js), read from `env`, without loading node:os. */
function tempDirectory(env: NodeJS.ProcessEnv): string {
  if (process.platform === 'win32') return os().tmpdir();
  const dir = env.TMPDIR || env.TMP || env.TEMP || '/tmp';
  return dir.length > 1 && dir.endsWith('/') ? dir.slice(0, -1) : dir;
}

const os = () => createRequire(import.meta.url)('node:os') as typeof import('node:os');

/**
 * $XDG_RUNTIME_DIR/kamal-secret/, else a per-user directory under the temp dir, or, when
 * someone else has taken that name (anyone can create it first), `run/` in the data
 * dir; the socket is named after the vault's path, so one agent never answers for
 * another vault.
 */
function defaultSocket(env: NodeJS.ProcessEnv, vaultPath: string): { path: string; note: string | undefined } {
  const uid = process.getuid?.() ?? 0;
  const name = `agent-${fnv1a64(vaultPath)}.sock`;
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && usableRuntimeDir(runtime, uid)) return { path: join(runtime, 'kamal-secret', name), note: undefined };
  const underTemp = join(tempDirectory(env), `kamal-secret-${uid}`);
  const owner = ownerOf(underTemp);
  if (owner === null || owner === uid || process.getuid === undefined)
    return { path: join(underTemp, name), note: undefined };
  const fallback = join(dataDir(env), 'run');
  return {
    path: join(fallback, name),
    note: `${underTemp} belongs to uid ${owner}, not to you (someone else created it): the agent's socket is in ${fallback} instead`,
  };
}

/** The owner of `file` itself (a symbolic link is not followed), or null when there is none. */
function ownerOf(file: string): number | null {
  try {
    return lstatSync(file).uid;
  } catch {
    return null;
  }
}

/**
 * XDG_RUNTIME_DIR often outlives its directory (after su, sudo -u, inside a container):
 * use it only when it exists and is ours.
 */
function usableRuntimeDir(dir: string, uid: number): boolean {
  if (!isAbsolute(dir)) return false;
  try {
    const st = statSync(dir);
    return st.isDirectory() && (process.getuid === undefined || st.uid === uid);
  } catch {
    return false;
  }
}

/**
 * FNV-1a, 64 bits, as hex: names a socket after its vault path. Not a security
 * boundary (the directory is), and node:crypto would cost `get` 2.5 ms to load.
 */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}
