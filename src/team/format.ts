// The team vault file, `.kamal/secrets.vault`, as docs/team-vault.md specifies it.
// Text, one record per line, every line the canonical JSON of its record (keys sorted,
// no white space), so that a record has exactly one spelling:
//
//   {"app":"shop","format":"kamal-secret-team","team":"<team id>","version":1}      the header
//   {"at":…,"by":"alice",…,"kind":"create","log":1,…,"sig":…}                         the log of member
//   {"at":…,"by":"alice",…,"kind":"add","log":2,…,"prev":"<hash of log 1>",…}         changes, chained
//   {"at":…,"by":"alice","epoch":1,"secret":"shop/DATABASE_URL","sig":…,"value":…}    one line per secret
//
// Binary fields are unpadded base64url. A hash is SHA-256 of a line's text (its bytes,
// without the newline); the team id is the hash of log entry 1.
//
// This module only parses, checks shapes and serializes; verify.ts decides whether a
// parsed file is to be believed.

import { createHash } from 'node:crypto';
import { isValidName, isValidScopeSegment } from '../light/refs.js';
import { canonicalJson } from '../vault/format.js';

export const FORMAT = 'kamal-secret-team';
export const VERSION = 1;
/** Where the team vault lives in an app, and the .gitattributes line `team init` writes beside it. */
export const TEAM_VAULT_PATH = '.kamal/secrets.vault';
export const GITATTRIBUTES_LINE = `${TEAM_VAULT_PATH} merge=union`;
/** Far above any real team vault; keeps a pushed monster from exhausting the agent. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export const BYTES = { hash: 32, nonce: 16, sig: 64, check: 32, box: 80, valueNonce: 24, tag: 16 } as const;

export interface Header {
  app: string;
  format: typeof FORMAT;
  team: string;
  version: typeof VERSION;
}

export interface Member {
  name: string;
  recipient: string;
  /** sorted */
  scopes: string[];
}

/** A scope key this entry brings into use: scope, its epoch, and a commitment to the key. */
export interface NewKey {
  scope: string;
  epoch: number;
  check: string;
}

/** A scope key sealed to one member. */
export interface Grant {
  to: string;
  scope: string;
  epoch: number;
  box: string;
}

interface LogCommon {
  log: number;
  by: string;
  at: string;
  keys: NewKey[];
  grants: Grant[];
  sig: string;
}

export interface CreateEntry extends LogCommon {
  kind: 'create';
  app: string;
  nonce: string;
  member: Member;
}

export interface AddEntry extends LogCommon {
  kind: 'add';
  prev: string;
  member: Member;
}

export interface RemoveEntry extends LogCommon {
  kind: 'remove';
  prev: string;
  name: string;
}

export type LogEntry = CreateEntry | AddEntry | RemoveEntry;

export interface SecretEntry {
  /** the reference, SCOPE/NAME */
  secret: string;
  by: string;
  at: string;
  epoch: number;
  /** nonce (24 bytes) then XChaCha20-Poly1305 ciphertext */
  value: string;
  sig: string;
}

/** A record and where it came from: its 1-based line number and its exact text. */
export interface Line<T> {
  number: number;
  text: string;
  record: T;
}

export interface TeamFile {
  header: Line<Header>;
  /** sorted by number, 1…n, one entry per number */
  log: Line<LogEntry>[];
  secrets: Line<SecretEntry>[];
}

/** Why a file is refused, and how to put it right. verify.ts adds the file's name. */
export class TeamFileError extends Error {
  constructor(
    readonly reason: string,
    readonly fix?: string,
  ) {
    super(reason);
  }
}

// ---- encodings

export const lineOf = (record: object): string => canonicalJson(record);
export const hashLine = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64url');
export const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** The bytes of canonical unpadded base64url, or null (padding, stray bits or other characters refused). */
export function fromB64u(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? new Uint8Array(bytes) : null;
}

/** What a log entry's or a secret's `sig` signs: a label, then the record without `sig`. */
export function signedMessage(record: LogEntry | SecretEntry, team: string): Uint8Array {
  const { sig: _sig, ...unsigned } = record;
  const label = 'log' in record ? 'log' : `secret ${team}`;
  return new TextEncoder().encode(`${FORMAT}/${VERSION} ${label}\n${lineOf(unsigned)}`);
}

/** The associated data of a secret's value: the value cannot move to another team, name, scope or key. */
export const valueAd = (team: string, ref: string, epoch: number) =>
  `${FORMAT}/${VERSION} value ${team} ${ref} ${epoch}`;

/** What a NewKey's check commits to, keyed by the scope key. */
export const keyCheckLabel = (scope: string, epoch: number) => `${FORMAT}/${VERSION} key-check ${scope} ${epoch}`;

export function isValidTeamScope(scope: string, app: string): boolean {
  const [first, dest, extra] = scope.split('/');
  return first === app && extra === undefined && (dest === undefined || isValidScopeSegment(dest));
}

/** SCOPE/NAME of a team secret: scope and name, or null. */
export function splitSecretRef(ref: string): { scope: string; name: string } | null {
  const slash = ref.lastIndexOf('/');
  const scope = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  if (slash < 1 || !isValidName(name) || !scope.split('/').every(isValidScopeSegment) || scope.split('/').length > 2)
    return null;
  return { scope, name };
}

// ---- shapes: each a function that names the first field that is wrong, or returns null

type Check = (v: unknown) => string | null;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const test =
  (ok: (v: unknown) => boolean): Check =>
  (v) =>
    ok(v) ? null : '';
const text = (re: RegExp) => test((v) => typeof v === 'string' && re.test(v));
const bytes = (n: number | 'min40') =>
  test((v) => {
    const b = typeof v === 'string' ? fromB64u(v) : null;
    return !!b && (n === 'min40' ? b.length >= BYTES.valueNonce + BYTES.tag : b.length === n);
  });
const positive = test((v) => Number.isSafeInteger(v) && (v as number) >= 1);
const exactly = (value: unknown) => test((v) => v === value);

function list(item: Check): Check {
  return (v) => {
    if (!Array.isArray(v)) return '';
    for (const [i, element] of v.entries()) {
      const wrong = item(element);
      if (wrong !== null) return `[${i}]${wrong && `.${wrong}`}`;
    }
    return null;
  };
}

function shape(fields: Record<string, Check>): Check {
  return (v) => {
    if (!isObject(v)) return '';
    // Object.hasOwn, not `in`: a line's "constructor" or "__proto__" is no field of ours
    const extra = Object.keys(v).find((k) => !Object.hasOwn(fields, k));
    if (extra !== undefined) return extra;
    for (const [key, check] of Object.entries(fields)) {
      const wrong = Object.hasOwn(v, key) ? check(v[key]) : '';
      if (wrong !== null) return wrong ? `${key}${wrong.startsWith('[') ? '' : '.'}${wrong}` : key;
    }
    return null;
  };
}

const MEMBER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SCOPE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;

export const isValidMemberName = (name: string) => MEMBER_NAME.test(name);

const scopeList = list(text(SCOPE));
const member = shape({ name: text(MEMBER_NAME), recipient: text(RECIPIENT), scopes: scopeList });
const logCommon = {
  log: positive,
  by: text(MEMBER_NAME),
  at: text(TIME),
  keys: list(shape({ scope: text(SCOPE), epoch: positive, check: bytes(BYTES.check) })),
  grants: list(shape({ to: text(MEMBER_NAME), scope: text(SCOPE), epoch: positive, box: bytes(BYTES.box) })),
  sig: bytes(BYTES.sig),
};
const SHAPES = {
  header: shape({ app: text(SEGMENT), format: exactly(FORMAT), team: bytes(BYTES.hash), version: exactly(VERSION) }),
  create: shape({
    ...logCommon,
    kind: exactly('create'),
    app: text(SEGMENT),
    nonce: bytes(BYTES.nonce),
    member,
  }),
  add: shape({ ...logCommon, kind: exactly('add'), prev: bytes(BYTES.hash), member }),
  remove: shape({ ...logCommon, kind: exactly('remove'), prev: bytes(BYTES.hash), name: text(MEMBER_NAME) }),
  secret: shape({
    secret: test((v) => typeof v === 'string' && splitSecretRef(v) !== null),
    by: text(MEMBER_NAME),
    at: text(TIME),
    epoch: positive,
    value: bytes('min40'),
    sig: bytes(BYTES.sig),
  }),
};

// ---- the file

const CONFLICT_MARKER = /^(<{7}|={7}|>{7}|\|{7})( |$)/;

/** Parse a team vault's text into its records. Throws TeamFileError naming the first problem and its line. */
export function parseTeamFile(source: string): TeamFile {
  if (Buffer.byteLength(source, 'utf8') > MAX_FILE_BYTES) throw new TeamFileError('it is larger than 16 MiB');
  if (source === '') throw new TeamFileError('it is empty');
  if (!source.endsWith('\n')) throw new TeamFileError('its last line is cut short (no newline at the end)');
  const lines = source.slice(0, -1).split('\n');
  const conflict = lines.findIndex((l) => CONFLICT_MARKER.test(l));
  if (conflict !== -1)
    throw new TeamFileError(
      `line ${conflict + 1} is a merge conflict marker`,
      `finish the merge keeping the lines of both sides, or add "${GITATTRIBUTES_LINE}" to .gitattributes and merge again`,
    );
  const records = lines.map((text, i) => ({ number: i + 1, text, record: parseLine(text, i + 1) }));
  const [first, ...rest] = records;
  if (first.record.format !== FORMAT) throw new TeamFileError('line 1 is not a kamal-secret team vault header');
  if (first.record.version !== VERSION && Number.isSafeInteger(first.record.version))
    throw new TeamFileError(
      `its format version ${first.record.version} is not supported (this kamal-secret reads version ${VERSION})`,
      'upgrade kamal-secret',
    );
  const header = checked<Header>(first, SHAPES.header, 'header');
  const log: Line<LogEntry>[] = [];
  const secrets: Line<SecretEntry>[] = [];
  for (const line of rest) {
    if (Object.hasOwn(line.record, 'log')) {
      const kind = line.record.kind;
      if (kind !== 'create' && kind !== 'add' && kind !== 'remove')
        throw new TeamFileError(`line ${line.number} is a member change of unknown kind`);
      log.push(checked<LogEntry>(line, SHAPES[kind], 'member change'));
    } else if (Object.hasOwn(line.record, 'secret')) {
      secrets.push(checked<SecretEntry>(line, SHAPES.secret, 'secret'));
    } else {
      throw new TeamFileError(`line ${line.number} is neither a member change nor a secret`);
    }
  }
  return { header, log: orderLog(log), secrets: refuseDuplicates(secrets) };
}

function parseLine(text: string, number: number): Record<string, unknown> {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    throw new TeamFileError(`line ${number} is not valid JSON`);
  }
  if (!isObject(record)) throw new TeamFileError(`line ${number} is not a JSON object`);
  if (!isCanonical(record, text))
    throw new TeamFileError(`line ${number} is not written the one way the format allows (canonical JSON)`);
  return record;
}

function isCanonical(record: object, text: string): boolean {
  try {
    return lineOf(record) === text;
  } catch {
    return false; // nested too deep to write out again: no record of ours is
  }
}

function checked<T>(line: Line<Record<string, unknown>>, check: Check, what: string): Line<T> {
  const wrong = check(line.record);
  if (wrong !== null) throw new TeamFileError(`line ${line.number}: the ${what}'s field ${wrong || '?'} is malformed`);
  return line as unknown as Line<T>;
}

/** The log in order. Two entries with one number are changes made in parallel on two branches. */
function orderLog(log: Line<LogEntry>[]): Line<LogEntry>[] {
  const sorted = [...log].sort((a, b) => a.record.log - b.record.log || a.number - b.number);
  sorted.forEach((line, i) => {
    if (line.record.log === i + 1) return;
    const twin = sorted[i - 1];
    if (twin && twin.record.log === line.record.log)
      throw new TeamFileError(
        `lines ${twin.number} and ${line.number} are both member change ${line.record.log}: they were made in parallel, on two branches`,
        'keep one of the two lines, delete the other, and make that change again',
      );
    throw new TeamFileError(`member change ${i + 1} is missing`);
  });
  if (sorted.length === 0) throw new TeamFileError('it has no member changes (not even the one that created the team)');
  return sorted;
}

/** Two lines for one secret are two branches' changes to it: never pick one silently. */
function refuseDuplicates(secrets: Line<SecretEntry>[]): Line<SecretEntry>[] {
  const seen = new Map<string, Line<SecretEntry>>();
  for (const line of secrets) {
    const twin = seen.get(line.record.secret);
    if (twin)
      throw new TeamFileError(
        `${line.record.secret} is there twice (line ${twin.number}, written by ${twin.record.by}, and line ${line.number}, by ${line.record.by}), as after merging two branches that both changed it`,
        'delete the line you do not want (or both, and set it again)',
      );
    seen.set(line.record.secret, line);
  }
  return secrets;
}

export function serializeTeamFile(header: Header, log: string[], secrets: SecretEntry[]): string {
  const sorted = [...secrets].sort((a, b) => (a.secret < b.secret ? -1 : a.secret > b.secret ? 1 : 0));
  return `${[lineOf(header), ...log, ...sorted.map(lineOf)].join('\n')}\n`;
}
