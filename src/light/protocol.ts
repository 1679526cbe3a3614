// The agent's wire protocol (docs/agent-protocol.md): one JSON object per line, each
// way, on a Unix socket. Every operation has one request type, one reply type and one
// validator here; the agent runs the validator before anything else, and a request
// that fails it (a missing, extra or ill-typed field, an invalid name) is answered
// { ok: false, code: "bad_request" } and does nothing. Node built-ins only: the fast
// `get` path loads this module.

import { isAbsolute } from 'node:path';
import type { TeamMemory } from '../team/verify.js';
import type { AllSecrets, Found, FoundValue, Listed, Mutation, MutationResult } from '../vault/secrets.js';
import { isValidName, isValidScopeSegment } from './refs.js';
import { isBase64 } from './secret-value.js';
import type { TeamPlace } from './team-place.js';

export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/**
 * Where a process finds its Secret Service (D-Bus). A client hands its own to the
 * agent when it asks it to try the keychain, so that an agent started without one
 * (from SSH or cron) can still reach the keychain of the session that uses it.
 */
export const KEYCHAIN_ENV_NAMES = ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'DISPLAY'] as const;
export type KeychainEnv = Partial<Record<(typeof KEYCHAIN_ENV_NAMES)[number], string>>;

export function keychainEnvOf(env: NodeJS.ProcessEnv): KeychainEnv {
  const picked: KeychainEnv = {};
  for (const name of KEYCHAIN_ENV_NAMES) if (env[name] !== undefined) picked[name] = env[name];
  return picked;
}

export const sameKeychainEnv = (a: KeychainEnv, b: KeychainEnv) => KEYCHAIN_ENV_NAMES.every((n) => a[n] === b[n]);

/** The request or reply of an operation that has no fields. */
type NoFields = Record<never, never>;

/** A read in an app with a team vault names it, so that the agent answers from both vaults (DESIGN §7). */
type InApp = { team?: TeamPlace };

/** The fields of each operation's request, besides `op`. */
export interface Requests {
  status: NoFields;
  get: { name: string; chain: string[] } & InApp;
  visible: { chain: string[] } & InApp;
  /** every secret with its value: check's one request */
  all: InApp;
  list: NoFields;
  mutate: { mutation: Mutation };
  rewrap: { passphrase: string };
  unlock: { passphrase: string };
  /** try the OS keychain; `force` also after an explicit `lock` (the unlock command) */
  'unlock-keychain': { env: KeychainEnv; force: boolean };
  lock: NoFields;
  stop: NoFields;
  /** the owner's team identity, created on first need (for the team commands, which sign with it) */
  identity: NoFields;
  'team-memory': { app: string };
  'remember-team': { app: string; memory: TeamMemory };
}

export type Op = keyof Requests;
export type RequestFor<K extends Op> = { op: K } & Requests[K];
export type Request = { [K in Op]: RequestFor<K> }[Op];

/** What the agent's keychain attempts found; `trying` while one is under way. */
export type KeychainState = 'untried' | 'trying' | 'has-key' | 'no-key' | 'unreachable' | 'off';

export interface Status {
  running: true;
  pid: number;
  locked: boolean;
  socket: string;
  vault: string;
  unlocked_via: 'keychain' | 'passphrase' | null;
  keychain: { state: KeychainState; detail: string };
  /** the kamal-secret version the agent runs */
  version: string;
}

/** The fields of each operation's successful reply, besides `ok`. */
export interface Replies {
  status: Status;
  get: { found: FoundValue | null };
  visible: { secrets: [string, Found][] };
  /** [ref, text] for every text secret in the vault, the refs of the binary ones, and the team's it cannot read */
  all: AllSecrets;
  list: { entries: Listed[] };
  mutate: { result: MutationResult };
  rewrap: NoFields;
  unlock: Status;
  'unlock-keychain': Status;
  lock: NoFields;
  stop: { stopping: true };
  identity: { identity: string };
  'team-memory': { memory: TeamMemory | null };
  'remember-team': NoFields;
}

export interface ErrorReply {
  ok: false;
  /** locked: needs an unlock; user: a user error (below); bad_request: the request was malformed. */
  code: 'locked' | 'user' | 'bad_request';
  error: string;
  /** for a user error: its exit code, stable error code and fix (errors.ts) */
  exit?: number;
  user_code?: string;
  fix?: string;
}

/** An ok reply may carry `warning`: one line for the client to print on stderr (a vault that went back in time). */
export type Reply<K extends Op = Op> = ({ ok: true; warning?: string } & Replies[K]) | ErrorReply;

/**
 * How long a client waits for each kind of reply. `status`, `lock` and `stop` are
 * answered at once, so a stopped or stuck agent costs seconds; the others may wait
 * for a keychain call, a key derivation or the vault's file lock.
 */
export function replyTimeoutMs(op: Op, keychainTimeoutMs = 3000): number {
  switch (op) {
    case 'status':
    case 'lock':
    case 'stop':
      return 3000;
    case 'get':
    case 'visible':
    case 'all':
    case 'list':
    case 'team-memory':
      return keychainTimeoutMs + 2000;
    case 'identity':
    case 'remember-team':
    case 'unlock-keychain':
      return 2 * keychainTimeoutMs + 5000;
    case 'mutate':
      return 30_000;
    case 'unlock':
    case 'rewrap':
      return 60_000;
  }
}

export function encode(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

/** A request that fails its validator. */
export class BadRequest extends Error {}

/** Parse and validate one request line; throws BadRequest. */
export function parseRequest(line: string): Request {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    throw new BadRequest('malformed request: expected one JSON object with an "op" per line');
  }
  if (!isObject(message) || typeof message.op !== 'string')
    throw new BadRequest('malformed request: expected one JSON object with an "op" per line');
  const { op, ...fields } = message;
  if (!Object.hasOwn(VALIDATORS, op)) throw new BadRequest(`unknown op ${JSON.stringify(op)}`);
  return { op, ...VALIDATORS[op as Op](fields) } as Request;
}

const VALIDATORS: { [K in Op]: (fields: Record<string, unknown>) => Requests[K] } = {
  status: (f) => only(f, []),
  get: (f) => {
    only(f, ['name', 'chain'], ['team']);
    return { name: name(f.name, 'name'), chain: chain(f.chain), ...inApp(f) };
  },
  visible: (f) => {
    only(f, ['chain'], ['team']);
    return { chain: chain(f.chain), ...inApp(f) };
  },
  all: (f) => {
    only(f, [], ['team']);
    return inApp(f);
  },
  list: (f) => only(f, []),
  mutate: (f) => {
    only(f, ['mutation']);
    return { mutation: mutation(f.mutation) };
  },
  rewrap: (f) => {
    only(f, ['passphrase']);
    return { passphrase: passphrase(f.passphrase) };
  },
  unlock: (f) => {
    only(f, ['passphrase']);
    return { passphrase: passphrase(f.passphrase) };
  },
  'unlock-keychain': (f) => {
    only(f, ['env', 'force']);
    return { env: keychainEnv(f.env), force: bool(f.force, 'force') };
  },
  lock: (f) => only(f, []),
  stop: (f) => only(f, []),
  identity: (f) => only(f, []),
  'team-memory': (f) => {
    only(f, ['app']);
    return { app: app(f.app) };
  },
  'remember-team': (f) => {
    only(f, ['app', 'memory']);
    return { app: app(f.app), memory: teamMemory(f.memory) };
  },
};

function inApp(f: Record<string, unknown>): InApp {
  if (!Object.hasOwn(f, 'team')) return {};
  const t = f.team;
  if (!isObject(t)) throw new BadRequest('"team" must be an object');
  only(t, ['file', 'app']);
  if (!isAbsolute(text(t.file, 'team.file'))) throw new BadRequest('"team.file" must be an absolute path');
  return { team: { file: t.file as string, app: app(t.app) } };
}

function app(v: unknown): string {
  if (!isValidScopeSegment(text(v, 'app'))) throw new BadRequest('"app" is not a valid app name');
  return v as string;
}

function teamMemory(v: unknown): TeamMemory {
  if (!isObject(v)) throw new BadRequest('"memory" must be an object');
  only(v, ['team', 'app', 'seq', 'head']);
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 1) throw new BadRequest('"memory.seq" must be a count');
  return {
    team: text(v.team, 'memory.team'),
    app: app(v.app),
    seq: v.seq as number,
    head: text(v.head, 'memory.head'),
  };
}

function mutation(m: unknown): Mutation {
  if (!isObject(m)) throw new BadRequest('"mutation" must be an object');
  switch (m.op) {
    case 'set':
      if (Object.hasOwn(m, 'value_base64')) {
        only(m, ['op', 'ref', 'value_base64']);
        return { op: 'set', ref: ref(m.ref, 'ref'), value_base64: base64(m.value_base64, 'value_base64') };
      }
      only(m, ['op', 'ref', 'value']);
      return { op: 'set', ref: ref(m.ref, 'ref'), value: text(m.value, 'value') };
    case 'rm':
      only(m, ['op', 'ref']);
      return { op: 'rm', ref: ref(m.ref, 'ref') };
    case 'mv':
      only(m, ['op', 'from', 'to']);
      return { op: 'mv', from: ref(m.from, 'from'), to: ref(m.to, 'to') };
    case 'import':
      only(m, ['op', 'scope', 'entries', 'overwrite']);
      return {
        op: 'import',
        scope: scope(m.scope, 'scope'),
        entries: entries(m.entries),
        overwrite: bool(m.overwrite, 'overwrite'),
      };
    default:
      throw new BadRequest(`unknown mutation ${JSON.stringify(m.op)}`);
  }
}

/** `fields` has every key of `allowed`, may have those of `optional`, and no other; the empty object that ops without fields carry. */
function only(fields: Record<string, unknown>, allowed: string[], optional: string[] = []): NoFields {
  for (const key of Object.keys(fields))
    if (!allowed.includes(key) && !optional.includes(key))
      throw new BadRequest(`unexpected field ${JSON.stringify(key)}`);
  for (const key of allowed) if (!Object.hasOwn(fields, key)) throw new BadRequest(`missing field "${key}"`);
  return {};
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function base64(v: unknown, field: string): string {
  if (!isBase64(text(v, field))) throw new BadRequest(`"${field}" must be base64`);
  return v as string;
}

function text(v: unknown, field: string): string {
  if (typeof v !== 'string') throw new BadRequest(`"${field}" must be a string`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new BadRequest(`"${field}" must be true or false`);
  return v;
}

function passphrase(v: unknown): string {
  if (text(v, 'passphrase') === '') throw new BadRequest('"passphrase" must not be empty');
  return v as string;
}

function name(v: unknown, field: string): string {
  if (!isValidName(text(v, field))) throw new BadRequest(`"${field}" is not a valid secret name`);
  return v as string;
}

function isScope(s: string): boolean {
  if (s === '') return true;
  const segments = s.split('/');
  return segments.length <= 2 && segments.every(isValidScopeSegment);
}

function scope(v: unknown, field: string): string {
  if (!isScope(text(v, field))) throw new BadRequest(`"${field}" is not a valid scope`);
  return v as string;
}

/** A reference as the vault stores it: [SCOPE/]NAME. */
function ref(v: unknown, field: string): string {
  const r = text(v, field);
  const slash = r.lastIndexOf('/');
  if (!isValidName(r.slice(slash + 1)) || (slash !== -1 && (slash === 0 || !isScope(r.slice(0, slash)))))
    throw new BadRequest(`"${field}" is not a valid reference`);
  return r;
}

function chain(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 3)
    throw new BadRequest('"chain" must be a list of one to three scopes');
  return v.map((s) => scope(s, 'chain'));
}

function entries(v: unknown): [string, string][] {
  if (!Array.isArray(v)) throw new BadRequest('"entries" must be a list of [name, value] pairs');
  return v.map((e) => {
    if (!Array.isArray(e) || e.length !== 2) throw new BadRequest('"entries" must be a list of [name, value] pairs');
    return [name(e[0], 'entries'), text(e[1], 'entries')];
  });
}

function keychainEnv(v: unknown): KeychainEnv {
  if (!isObject(v)) throw new BadRequest('"env" must be an object');
  const names: readonly string[] = KEYCHAIN_ENV_NAMES;
  for (const [key, value] of Object.entries(v)) {
    if (!names.includes(key)) throw new BadRequest(`"env" may only hold ${KEYCHAIN_ENV_NAMES.join(', ')}`);
    text(value, `env.${key}`);
  }
  return v as KeychainEnv;
}
