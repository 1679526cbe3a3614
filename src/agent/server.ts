// The agent: holds the unlocked vault key in memory and answers on a Unix socket.
// It unlocks from the OS keychain at start when it can, locks itself when idle
// (--ttl) and after a hard limit (--max-ttl), re-reads the vault when the file
// changes, and runs its own writes one at a time.

import fs from 'node:fs';
import net from 'node:net';
import { UserError } from '../errors.js';
import { ping } from '../light/agent-client.js';
import { lockPathOf } from '../light/paths.js';
import {
  type ErrorReply,
  encode,
  MAX_REQUEST_BYTES,
  type Reply,
  type Request,
  type Status,
} from '../light/protocol.js';
import { type KeychainOptions, keychainGet } from '../unlock/keychain.js';
import { keyFromPassphrase } from '../unlock/passphrase.js';
import type { Payload } from '../vault/format.js';
import { deriveKeyInWorker } from '../vault/kdf-worker.js';
import { withLock } from '../vault/lock.js';
import { list, lookup, visible } from '../vault/secrets.js';
import { LocalSession } from '../vault/session.js';
import { decryptPayload, readVaultFile } from '../vault/store.js';
import { VERSION } from '../version.js';
import { prepareSocketDir } from './paths.js';

export interface AgentOptions {
  vaultPath: string;
  socket: string;
  keychain: KeychainOptions;
  ttlMs: number;
  maxTtlMs: number;
  log: (line: string) => void;
  onStop: () => void;
}

interface Unlocked {
  key: Uint8Array;
  via: 'keychain' | 'passphrase';
  at: number;
}

class Locked extends Error {}

export class Agent {
  private unlocked: Unlocked | null = null;
  /** Set when a keychain-unlocked agent locked itself: the next request may unlock it again. */
  private retryKeychain = false;
  private keychainNote = 'not tried yet';
  private lastUsed = Date.now();
  private cache: { signature: string; payload: Payload } | null = null;
  private writes: Promise<unknown> = Promise.resolve();
  private keychainAttempt: Promise<void> | null = null;
  private server?: net.Server;
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: AgentOptions) {}

  /** Listen, unless another agent already answers (then resolve false). */
  async start(): Promise<boolean> {
    const { socket } = this.opts;
    prepareSocketDir(socket);
    const listening = await withLock(lockPathOf(socket), async () => {
      if (await ping(socket)) return false;
      fs.rmSync(socket, { force: true });
      const server = net.createServer((conn) => this.serve(conn));
      const oldMask = process.umask(0o177); // the socket is born 0600
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(socket, resolve);
        });
      } finally {
        process.umask(oldMask);
      }
      this.server = server;
      return true;
    });
    if (!listening) return false;
    this.opts.log(`agent ${process.pid} listening on ${socket} for ${this.opts.vaultPath}`);
    this.timer = setInterval(() => this.expire(), Math.min(1000, this.opts.ttlMs / 4)).unref();
    this.keychainAttempt = this.tryKeychain();
    return true;
  }

  stop(): void {
    this.forget('stopped');
    if (this.timer) clearInterval(this.timer);
    this.server?.close();
    fs.rmSync(this.opts.socket, { force: true });
    this.opts.log('stopped');
    this.opts.onStop();
  }

  private async tryKeychain(): Promise<void> {
    try {
      const header = readVaultFile(this.opts.vaultPath).header;
      const started = Date.now();
      const r = await keychainGet(header.vault_id, this.opts.keychain);
      if (r.ok && r.key && !this.unlocked) {
        this.unlocked = { key: r.key, via: 'keychain', at: Date.now() };
        this.lastUsed = Date.now();
        this.keychainNote = 'unlocked from the OS keychain';
        this.opts.log(`unlocked from the OS keychain in ${Date.now() - started} ms`);
      } else if (!r.ok) {
        this.keychainNote = r.reason;
        this.opts.log(`keychain: ${r.reason}; waiting for kamal-secret unlock`);
      }
    } catch (err) {
      this.keychainNote = (err as Error).message;
      this.opts.log(`keychain: ${(err as Error).message}`);
    }
  }

  private expire(): void {
    if (!this.unlocked) return;
    const now = Date.now();
    if (now - this.lastUsed > this.opts.ttlMs) this.forget('idle', true);
    else if (now - this.unlocked.at > this.opts.maxTtlMs) this.forget('hard limit', true);
  }

  private forget(why: string, keychainMayReunlock = false): void {
    if (!this.unlocked) return;
    this.retryKeychain = keychainMayReunlock && this.unlocked.via === 'keychain';
    this.unlocked.key.fill(0);
    this.unlocked = null;
    this.cache = null;
    this.opts.log(`locked (${why})`);
  }

  private serve(conn: net.Socket): void {
    let buffered = '';
    conn.setEncoding('utf8');
    conn.on('error', () => undefined);
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      if (Buffer.byteLength(buffered) > MAX_REQUEST_BYTES) {
        conn.end(
          encode({
            ok: false,
            code: 'bad_request',
            error: `request larger than ${MAX_REQUEST_BYTES} bytes`,
          } satisfies ErrorReply),
        );
        conn.destroySoon();
        buffered = '';
        return;
      }
      for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        void this.answer(line).then((reply) => {
          if (!conn.destroyed) conn.write(encode(reply));
          if (reply.ok && (reply as { stopping?: boolean }).stopping) setImmediate(() => this.stop());
        });
      }
    });
  }

  private async answer(line: string): Promise<Reply> {
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
      if (!req || typeof req !== 'object' || typeof req.op !== 'string') throw new Error('no op');
    } catch {
      return {
        ok: false,
        code: 'bad_request',
        error: 'malformed request: expected one JSON object with an "op" per line',
      };
    }
    try {
      return await this.handle(req);
    } catch (err) {
      if (err instanceof Locked)
        return { ok: false, code: 'locked', error: 'the agent is locked; run: kamal-secret unlock' };
      if (err instanceof UserError) return { ok: false, code: 'user', error: err.message, exit: err.exitCode };
      this.opts.log(`error answering ${req.op}: ${(err as Error).message}`);
      return {
        ok: false,
        code: 'bad_request',
        error: `the agent could not answer ${String(req.op)}: ${(err as Error).message}`,
      };
    }
  }

  private async handle(req: Request): Promise<Reply> {
    switch (req.op) {
      case 'status':
        await this.keychainAttempt; // "locked" only once the start-up keychain attempt has ended
        return { ok: true, ...this.status() };
      case 'get':
        return { ok: true, found: lookup(await this.payload(), str(req.name), strs(req.chain)) };
      case 'visible':
        return { ok: true, secrets: [...visible(await this.payload(), strs(req.chain))] };
      case 'all':
        return { ok: true, secrets: Object.entries((await this.payload()).secrets).map(([ref, r]) => [ref, r.value]) };
      case 'list':
        return { ok: true, entries: list(await this.payload()) };
      case 'mutate':
        return { ok: true, result: await this.write((s) => s.mutate(req.mutation)) };
      case 'rewrap':
        await this.write((s) => s.rewrap(str(req.passphrase)));
        return { ok: true };
      case 'unlock':
        await this.unlock(req.passphrase);
        return { ok: true, ...this.status() };
      case 'lock':
        this.forget('lock requested');
        return { ok: true };
      case 'stop':
        return { ok: true, stopping: true };
      default:
        return { ok: false, code: 'bad_request', error: `unknown op ${JSON.stringify((req as { op: unknown }).op)}` };
    }
  }

  status(): Status {
    return {
      running: true,
      pid: process.pid,
      locked: !this.unlocked,
      socket: this.opts.socket,
      vault: this.opts.vaultPath,
      unlocked_via: this.unlocked?.via ?? null,
      keychain: this.keychainNote,
      version: VERSION,
    };
  }

  private async unlock(passphrase: unknown): Promise<void> {
    if (typeof passphrase === 'string' && passphrase) {
      const file = readVaultFile(this.opts.vaultPath);
      const key = await keyFromPassphrase(this.opts.vaultPath, file.header, passphrase, deriveKeyInWorker);
      await decryptPayload(this.opts.vaultPath, file, key);
      this.forget('re-unlocked');
      this.unlocked = { key, via: 'passphrase', at: Date.now() };
      this.lastUsed = Date.now();
      this.opts.log('unlocked with the passphrase');
      return;
    }
    await this.keychainAttempt;
    if (!this.unlocked) this.retryKeychain = true;
    await this.key();
  }

  /** The key, once the keychain attempt in progress has ended. */
  private async key(): Promise<Uint8Array> {
    await this.keychainAttempt;
    if (!this.unlocked && this.retryKeychain) {
      this.retryKeychain = false;
      this.keychainAttempt = this.tryKeychain();
      await this.keychainAttempt;
    }
    if (!this.unlocked) throw new Locked();
    this.lastUsed = Date.now();
    return this.unlocked.key;
  }

  /** The decrypted payload, re-read whenever the vault file changed on disk. */
  private async payload(): Promise<Payload> {
    const key = await this.key();
    const signature = fileSignature(this.opts.vaultPath);
    if (this.cache?.signature === signature) return this.cache.payload;
    const payload = await decryptPayload(this.opts.vaultPath, readVaultFile(this.opts.vaultPath), key);
    this.cache = { signature, payload };
    return payload;
  }

  private write<T>(fn: (s: LocalSession) => Promise<T>): Promise<T> {
    const run = this.writes.then(async () => fn(new LocalSession(this.opts.vaultPath, await this.key())));
    this.writes = run.catch(() => undefined);
    return run;
  }
}

function fileSignature(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    throw new UserError(`no vault at ${file}; run: kamal-secret init`);
  }
}

const str = (v: unknown): string => {
  if (typeof v !== 'string') throw new UserError('malformed request: expected a string');
  return v;
};
const strs = (v: unknown): string[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new UserError('malformed request: expected a list of strings');
  return v;
};
