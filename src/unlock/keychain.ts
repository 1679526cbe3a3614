// The OS keychain holds the vault key (base64) under service "kamal-secret",
// account = the vault id. Every call goes through keychain-child.ts with a hard timeout.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';

export const KEYCHAIN_SERVICE = 'kamal-secret';
const CHILD = fileURLToPath(new URL('./keychain-child.js', import.meta.url));

/** `absent`: the keychain answered, without a key for this vault; `off`: KAMAL_SECRET_NO_KEYCHAIN=1. */
export type KeychainResult =
  | { ok: true; key?: Uint8Array }
  | { ok: false; reason: string; absent?: boolean; off?: boolean };

/** What the keychain calls need from the configuration. */
export type KeychainOptions = Pick<Config, 'useKeychain' | 'keychainTimeoutMs'>;

function runChild(
  timeoutMs: number,
  args: string[],
  input?: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      stderr += err.message;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr.trim(), timedOut });
    });
    child.stdin.end(input ?? '');
  });
}

function failure(r: Awaited<ReturnType<typeof runChild>>, timeoutMs: number): KeychainResult {
  if (r.timedOut)
    return {
      ok: false,
      reason: `the keychain did not answer within ${timeoutMs} ms (locked, or its service is stuck)`,
    };
  if (r.code === 3) return { ok: false, absent: true, reason: 'the keychain has no key for this vault' };
  return { ok: false, reason: r.stderr || `the keychain helper exited with ${r.code}` };
}

const OFF = { ok: false, off: true, reason: 'KAMAL_SECRET_NO_KEYCHAIN=1 is set' } as const;

/** The vault key from the keychain; `env`, when given, is the environment the keychain call runs in (its D-Bus). */
export async function keychainGet(
  vaultId: string,
  opts: KeychainOptions,
  env?: NodeJS.ProcessEnv,
): Promise<KeychainResult> {
  if (!opts.useKeychain) return OFF;
  const r = await runChild(opts.keychainTimeoutMs, ['get', vaultId], undefined, env);
  if (r.code !== 0) return failure(r, opts.keychainTimeoutMs);
  const key = new Uint8Array(Buffer.from(r.stdout.trim(), 'base64'));
  if (key.length !== 32) return { ok: false, reason: 'the keychain entry for this vault is not a vault key' };
  return { ok: true, key };
}

export async function keychainSet(vaultId: string, key: Uint8Array, opts: KeychainOptions): Promise<KeychainResult> {
  if (!opts.useKeychain) return OFF;
  const r = await runChild(opts.keychainTimeoutMs, ['set', vaultId], Buffer.from(key).toString('base64'));
  return r.code === 0 ? { ok: true } : failure(r, opts.keychainTimeoutMs);
}
