// Drive the built CLI as a subprocess, the way a user's shell does.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwawayEnv, withEnv } from '../../scripts/throwaway-env.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'kamal-secret.js');
export const PASSPHRASE = 'correct horse battery staple';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** A throwaway home for one test: its own vault, data dir and agent socket. */
export class Sandbox {
  readonly dir: string;
  readonly vault: string;
  readonly env: Record<string, string | undefined>;

  constructor(extraEnv: Record<string, string | undefined> = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-test-'));
    this.vault = path.join(this.dir, 'data', 'vault.json');
    this.env = {
      ...throwawayEnv(this.dir, PASSPHRASE),
      KAMAL_SECRET_NO_AGENT: '1',
      XDG_DATA_HOME: path.join(this.dir, 'xdg-data'),
      XDG_RUNTIME_DIR: undefined,
      HOME: this.dir,
      ...extraEnv,
    };
  }

  run(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return runCli(args, { ...opts, env: { ...this.env, ...opts.env }, cwd: opts.cwd ?? this.dir });
  }

  async init(): Promise<void> {
    const r = await this.run(['init', '--no-keychain']);
    if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  }

  async set(ref: string, value: string, args: string[] = []): Promise<RunResult> {
    const r = await this.run(['set', ref, ...args], { input: value });
    if (r.code !== 0) throw new Error(`set ${ref} failed: ${r.stderr}`);
    return r;
  }

  /** Write files under the sandbox: { 'app/config/deploy.yml': '...' }. */
  write(files: Record<string, string>): void {
    for (const [rel, text] of Object.entries(files)) {
      const p = path.join(this.dir, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, text);
    }
  }

  path(rel: string): string {
    return path.join(this.dir, rel);
  }

  async cleanup(): Promise<void> {
    await runCli(['agent', 'stop'], { env: this.env, timeoutMs: 5000 }).catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return withEnv(env);
}

export function runCli(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProcess(process.execPath, [BIN, ...args], opts);
}

export function runProcess(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      env: cleanEnv(opts.env ?? {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
