// The agent: holds the unlocked vault key in memory and answers on a Unix socket, the
// only agent for its socket for as long as it lives (instance-lock.ts). It tries the
// OS keychain when it starts and whenever a client asks; locks itself when idle and at
// a hard limit (key-holder.ts); re-reads the vault when the file changes; and runs its
// own writes one at a time. Requests are validated per operation (light/protocol.ts).

import fs from 'node:fs';
import net from 'node:net';
import { UserError } from '../errors.js';
import {
  BadRequest,
  encode,
  type KeychainEnv,
  type KeychainState,
  keychainEnvOf,
  MAX_REQUEST_BYTES,
  parseRequest,
  type Reply,
  type Request,
  type Status,
  sameKeychainEnv,
} from '../light/protocol.js';
import type { TeamPlace } from '../light/team-place.js';
import {
  allLayered,
  lookupLayered,
  notJoined,
  TeamOpener,
  type TeamView,
  teamFor,
  visibleLayered,
} from '../team/layer.js';
import { type KeychainOptions, keychainGet } from '../unlock/keychain.js';
import { keyFromPassphrase } from '../unlock/passphrase.js';
import type { Derive } from '../vault/crypto.js';
import type { Payload } from '../vault/format.js';
import { deriveKeyInWorker } from '../vault/kdf-worker.js';
import { list, teamMemory } from '../vault/secrets.js';
import { LocalSession } from '../vault/session.js';
import { decryptPayload, readVaultFile, type Warn } from '../vault/store.js';
import { VERSION } from '../version.js';
import { type InstanceLock, type LockKind, lockAgentInstance } from './instance-lock.js';
import { type Clock, KeyHolder } from './key-holder.js';
import { prepareSocketDir, removeStaleSocket } from './paths.js';

export interface AgentOptions {
  vaultPath: string;
  socket: string;
  keychain: KeychainOptions;
  /** the agent's own environment; a keychain call runs in it, with a client's D-Bus variables when it asked */
  env: NodeJS.ProcessEnv;
  ttlMs: number;
  maxTtlMs: number;
  log: (line: string) => void;
  onStop: () => void;
  clock?: Clock;
  derive?: Derive;
  lockKind?: LockKind;
}

class Locked extends Error {}

export class Agent {
  private readonly holder: KeyHolder;
  private keychain: Status['keychain'] = { state: 'untried', detail: 'not tried yet' };
  private keychainAttempt: Promise<void> | null = null;
  /** the D-Bus variables of the last keychain attempt (reads that re-unlock use them again) */
  private keychainEnv: KeychainEnv;
  /** `lock` was asked for: nothing unlocks from the keychain again until an explicit unlock */
  private lockedByUser = false;
  private cache: { signature: string; payload: Payload; warning?: string } | null = null;
  /** the team vault last opened, with its values: forgotten with the key */
  private readonly teams = new TeamOpener();
  private writes: Promise<unknown> = Promise.resolve();
  private server?: net.Server;
  private instance?: InstanceLock;
  private socketInode?: number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: AgentOptions) {
    this.holder = new KeyHolder({ ttlMs: opts.ttlMs, maxTtlMs: opts.maxTtlMs }, opts.clock);
    this.keychainEnv = keychainEnvOf(opts.env);
  }

  /** Listen, unless another agent holds this socket (then resolve false, touching nothing). */
  async start(): Promise<boolean> {
    const { socket } = this.opts;
    prepareSocketDir(socket);
    const instance = await lockAgentInstance(socket, this.opts.lockKind);
    if (!instance) return false;
    try {
      removeStaleSocket(socket); // a dead agent's: the live one would hold the lock
      this.server = await listen(socket, (conn) => this.serve(conn));
      this.socketInode = fs.statSync(socket).ino;
    } catch (err) {
      instance.release();
      throw err;
    }
    this.instance = instance;
    this.opts.log(`agent ${process.pid} listening on ${socket} for ${this.opts.vaultPath}`);
    // Every use checks the expiry too; the timer forgets an unused key soon after its time.
    this.timer = setInterval(() => this.expire(), Math.max(50, Math.min(1000, this.opts.ttlMs / 4))).unref();
    void this.tryKeychain(this.keychainEnv);
    return true;
  }

  stop(): void {
    this.forget('stopped');
    if (this.timer) clearInterval(this.timer);
    this.server?.close();
    if (this.socketInode !== undefined && inodeOf(this.opts.socket) === this.socketInode)
      fs.rmSync(this.opts.socket, { force: true });
    this.instance?.release();
    this.opts.log('stopped');
    this.opts.onStop();
  }

  status(): Status {
    this.expire();
    return {
      running: true,
      pid: process.pid,
      locked: this.holder.locked,
      socket: this.opts.socket,
      vault: this.opts.vaultPath,
      unlocked_via: this.holder.via,
      keychain: { ...this.keychain },
      version: VERSION,
    };
  }

  private expire(): void {
    const why = this.holder.expiry();
    if (why) this.forget(why);
  }

  private forget(why: string): void {
    if (this.holder.forget() === null) return;
    this.cache = null;
    this.teams.forget();
    this.opts.log(`locked (${why})`);
  }

  /** The agent's own D-Bus variables, with a client's over them. */
  private effectiveKeychainEnv(clientEnv: KeychainEnv): KeychainEnv {
    return { ...keychainEnvOf(this.opts.env), ...clientEnv };
  }

  /** Try the keychain with `env`'s D-Bus; one attempt at a time (a second caller waits for the one under way). */
  private tryKeychain(env: KeychainEnv): Promise<void> {
    this.keychainAttempt ??= this.attemptKeychain(this.effectiveKeychainEnv(env)).finally(() => {
      this.keychainAttempt = null;
    });
    return this.keychainAttempt;
  }

  private async attemptKeychain(env: KeychainEnv): Promise<void> {
    const clock = this.opts.clock ?? Date.now;
    const started = clock();
    this.keychainEnv = env;
    this.keychain = { state: 'trying', detail: 'trying the OS keychain' };
    const note = (state: KeychainState, detail: string) => {
      this.keychain = { state, detail };
      this.opts.log(`keychain: ${detail}`);
    };
    try {
      const file = readVaultFile(this.opts.vaultPath);
      const r = await keychainGet(file.header.vault_id, this.opts.keychain, { ...this.opts.env, ...env });
      if (!r.ok) return note(r.off ? 'off' : r.absent ? 'no-key' : 'unreachable', r.reason);
      if (!r.key) return note('no-key', 'the keychain gave no key');
      try {
        await decryptPayload(this.opts.vaultPath, file, r.key);
      } catch {
        r.key.fill(0);
        return note('no-key', "the keychain's entry for this vault does not open it");
      }
      this.keychain = { state: 'has-key', detail: "holds this vault's key" };
      if (!this.holder.locked || this.lockedByUser) return void r.key.fill(0);
      this.holder.hold(r.key, 'keychain');
      this.cache = null;
      this.opts.log(`unlocked from the OS keychain in ${clock() - started} ms`);
    } catch (err) {
      note('unreachable', (err as Error).message);
    }
  }

  private serve(conn: net.Socket): void {
    let buffered = '';
    conn.setEncoding('utf8');
    conn.on('error', () => undefined);
    conn.on('data', (chunk: string) => {
      buffered += chunk;
      if (Buffer.byteLength(buffered) > MAX_REQUEST_BYTES) {
        conn.end(encode({ ok: false, code: 'bad_request', error: `request larger than ${MAX_REQUEST_BYTES} bytes` }));
        conn.destroySoon();
        buffered = '';
        return;
      }
      for (let newline = buffered.indexOf('\n'); newline !== -1; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        void this.answer(line).then((reply) => {
          if (!conn.destroyed) conn.write(encode(reply));
          if (reply.ok && 'stopping' in reply) setImmediate(() => this.stop());
        });
      }
    });
  }

  private async answer(line: string): Promise<Reply> {
    let req: Request;
    try {
      req = parseRequest(line);
    } catch (err) {
      if (err instanceof BadRequest) return { ok: false, code: 'bad_request', error: err.message };
      throw err;
    }
    try {
      return await this.handle(req);
    } catch (err) {
      if (err instanceof Locked)
        return { ok: false, code: 'locked', error: 'the agent is locked; run: kamal-secret unlock' };
      if (err instanceof UserError)
        return { ok: false, code: 'user', error: err.message, exit: err.exitCode, user_code: err.code, fix: err.fix };
      this.opts.log(`error answering ${req.op}: ${(err as Error).stack ?? err}`);
      return { ok: false, code: 'user', error: `the agent could not ${req.op}: ${(err as Error).message}`, exit: 1 };
    }
  }

  /** The reply to `req`, with the warnings its reads gave (a vault that went back in time) for the client to print. */
  private async handle(req: Request): Promise<Reply> {
    const warnings: string[] = [];
    const reply = await this.handleOp(req, (line) => warnings.push(line));
    return reply.ok && warnings.length ? { ...reply, warning: warnings.join('; ') } : reply;
  }

  private async handleOp(req: Request, warn: Warn): Promise<Reply> {
    switch (req.op) {
      case 'status':
        return { ok: true, ...this.status() };
      case 'get': {
        const { payload, team } = await this.withTeam(req.team, req.chain, warn);
        const found = lookupLayered(payload, team, req.name, req.chain);
        const unjoined = found ? null : notJoined(req.team, payload, req.name, req.chain);
        if (unjoined) throw unjoined;
        return { ok: true, found };
      }
      case 'visible': {
        const { payload, team } = await this.withTeam(req.team, req.chain, warn);
        return { ok: true, secrets: [...visibleLayered(payload, team, req.chain)] };
      }
      case 'all': {
        const { payload, team } = await this.withTeam(req.team, null, warn);
        return { ok: true, ...allLayered(payload, team, req.team) };
      }
      case 'list':
        return { ok: true, entries: list(await this.payload(warn)) };
      case 'mutate':
        return { ok: true, result: await this.write((s) => s.mutate(req.mutation), warn) };
      case 'rewrap':
        await this.write((s) => s.rewrap(req.passphrase), warn);
        return { ok: true };
      case 'unlock':
        await this.unlockWithPassphrase(req.passphrase);
        return { ok: true, ...this.status() };
      case 'unlock-keychain':
        await this.unlockFromKeychain(req.env, req.force);
        return { ok: true, ...this.status() };
      case 'lock':
        this.lockedByUser = true;
        this.forget('lock requested');
        return { ok: true };
      case 'stop':
        return { ok: true, stopping: true };
      case 'identity':
        return { ok: true, identity: await this.write((s) => s.identity(), warn) };
      case 'team-memory':
        return { ok: true, memory: teamMemory(await this.payload(warn), req.app) ?? null };
      case 'remember-team':
        await this.write((s) => s.rememberTeam(req.app, req.memory), warn);
        return { ok: true };
    }
  }

  /** The payload and, for a read in an app with a team vault the owner joined, that vault (opened once per change). */
  private async withTeam(
    place: TeamPlace | undefined,
    chain: string[] | null,
    warn: Warn,
  ): Promise<{ payload: Payload; team: TeamView }> {
    const payload = await this.payload(warn);
    const team = await teamFor(this.teams, payload, place, chain, (app, memory) =>
      this.write((s) => s.rememberTeam(app, memory), warn),
    );
    if (this.holder.locked) this.teams.forget(); // locked meanwhile: keep no values
    return { payload, team };
  }

  private async unlockWithPassphrase(passphrase: string): Promise<void> {
    const file = readVaultFile(this.opts.vaultPath);
    const derive = this.opts.derive ?? deriveKeyInWorker;
    const key = await keyFromPassphrase(this.opts.vaultPath, file.header, passphrase, derive);
    try {
      await decryptPayload(this.opts.vaultPath, file, key);
    } catch (err) {
      key.fill(0);
      throw err;
    }
    this.holder.hold(key, 'passphrase');
    this.lockedByUser = false;
    this.cache = null;
    this.opts.log('unlocked with the passphrase');
  }

  /**
   * A client's turn at the keychain, with its D-Bus variables: after the attempt under
   * way, if the agent is still locked (or, when `force`d by the unlock command, has
   * never reached the keychain), try again. Not when the attempt just made used the
   * same variables and was under way, or (unless forced) found no key or no keychain:
   * a frozen keyring would cost every command its timeout. Without `force`, an
   * explicit `lock` stands.
   */
  private async unlockFromKeychain(env: KeychainEnv, force: boolean): Promise<void> {
    this.expire();
    if ((this.lockedByUser && !force) || this.keychain.state === 'off') return;
    this.lockedByUser = false;
    const underWay = this.keychainAttempt;
    if (underWay) await underWay;
    const wanted = this.holder.locked || (force && this.keychain.state !== 'has-key');
    const failed = this.keychain.state === 'unreachable' || this.keychain.state === 'no-key';
    const futile =
      sameKeychainEnv(this.keychainEnv, this.effectiveKeychainEnv(env)) && (underWay !== null || (failed && !force));
    if (wanted && !futile) await this.tryKeychain(env);
  }

  /**
   * A copy of the key for one read, which the caller zeroes. A locked agent first waits
   * for a keychain attempt under way, or re-unlocks from a keychain that has given the
   * key before (after an idle or hard-limit lock), unless the user locked it.
   */
  private async key(): Promise<Uint8Array> {
    this.expire();
    if (this.holder.locked && !this.lockedByUser) {
      if (this.keychainAttempt) await this.keychainAttempt;
      else if (this.keychain.state === 'has-key') await this.tryKeychain(this.keychainEnv);
    }
    const key = this.holder.copy();
    if (!key) throw new Locked();
    return key;
  }

  /** The decrypted payload, re-read whenever the vault file changed on disk. */
  private async payload(warn: Warn): Promise<Payload> {
    const key = await this.key();
    try {
      const signature = fileSignature(this.opts.vaultPath);
      if (this.cache?.signature !== signature) {
        let warning: string | undefined;
        const file = readVaultFile(this.opts.vaultPath);
        const payload = await decryptPayload(this.opts.vaultPath, file, key, (line) => (warning = line));
        if (this.holder.locked) {
          // not cached after a lock that came meanwhile
          if (warning) warn(warning);
          return payload;
        }
        this.cache = { signature, payload, warning };
      }
      if (this.cache.warning) warn(this.cache.warning);
      return this.cache.payload;
    } finally {
      key.fill(0);
    }
  }

  /** Writes run one at a time, each in a session that owns (and zeroes) its own copy of the key. */
  private write<T>(fn: (s: LocalSession) => Promise<T>, warn: Warn): Promise<T> {
    const run = this.writes.then(async () => {
      const session = new LocalSession(this.opts.vaultPath, await this.key(), warn);
      try {
        return await fn(session);
      } finally {
        session.close();
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }
}

function listen(socket: string, onConnection: (conn: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(onConnection);
  const oldMask = process.umask(0o177); // the socket is born 0600
  return new Promise<net.Server>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve(server));
  }).finally(() => process.umask(oldMask));
}

function inodeOf(file: string): number | undefined {
  try {
    return fs.lstatSync(file).ino;
  } catch {
    return undefined;
  }
}

function fileSignature(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    throw new UserError(`no vault at ${file}; run: kamal-secret init`, { code: 'no_vault' });
  }
}
