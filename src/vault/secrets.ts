// What can be done to the secrets in a decrypted payload. Pure functions, shared by
// the in-process session and the agent, so both behave the same.

import { UsageError, UserError } from '../errors.js';
import { describeScope, formatRef, type Ref, splitRef } from '../light/refs.js';
import { type StoredValue, storedValue, textOf, valueBytes } from '../light/secret-value.js';
import { own, table } from '../light/tables.js';
import type { TeamMemory } from '../team/verify.js';
import type { Payload, SecretRecord } from './format.js';

export type Mutation =
  | ({ op: 'set'; ref: string } & StoredValue)
  | { op: 'rm'; ref: string }
  | { op: 'mv'; from: string; to: string }
  | { op: 'import'; scope: string; entries: [string, string][]; overwrite: boolean };

export interface ImportReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  skipped: string[];
}

export type MutationResult = { action: 'created' | 'updated' | 'removed' | 'moved'; ref: string } | ImportReport;

export interface Listed {
  ref: string;
  scope: string;
  name: string;
  updated_at: string;
}

/** A secret as text, for what needs text: an environment, export, check, GitLab. */
export interface Found {
  ref: string;
  value: string;
}

/** A secret as stored: text or bytes. What `get` prints. */
export type FoundValue = { ref: string } & StoredValue;

export const emptyPayload = (): Payload => ({ secrets: table() });

/** What the payload's owner remembers of the team vault of `app`, if they joined it. */
export const teamMemory = (payload: Payload, app: string): TeamMemory | undefined =>
  payload.teams && own(payload.teams, app);

/** The secret stored at `ref`, text or bytes; null when there is none. */
export function storedAt(payload: Payload, ref: string): FoundValue | null {
  const record = own(payload.secrets, ref);
  return record ? foundValue(ref, record) : null;
}

/** Every text secret as [ref, text], and the references of the binary ones, which no text can carry. */
export interface AllSecrets {
  secrets: [string, string][];
  binary: string[];
  /** team secrets in scopes their owner cannot read (the team layer adds them; an agent from before it does not) */
  unreadable?: Unreadable[];
  /** the secrets of an app's team vault its reader has not joined, for what finds nothing else (the team layer adds them) */
  unjoined?: Unreadable[];
}

/** A secret that is there but not for its reader: why, and what to do (as `get` would say it). */
export interface Unreadable {
  ref: string;
  why: string;
  fix: string;
}

/** The whole vault as text (check's one request to the agent, migrate's snapshot). */
export function allSecrets(payload: Payload): AllSecrets {
  const all: AllSecrets = { secrets: [], binary: [] };
  for (const [ref, record] of Object.entries(payload.secrets)) {
    const text = textOf(foundValue(ref, record));
    if (text === null) all.binary.push(ref);
    else all.secrets.push([ref, text]);
  }
  return all;
}

const foundValue = (ref: string, record: SecretRecord): FoundValue =>
  record.value_base64 === undefined ? { ref, value: record.value } : { ref, value_base64: record.value_base64 };

/** `found` as text; a binary secret is refused with a message that names it and says how to read it. */
export function asText(found: FoundValue): Found {
  const text = textOf(found);
  if (text === null) {
    throw new UserError(
      `${found.ref} holds binary data (bytes that are not UTF-8 text, or a NUL byte), which cannot be an environment variable, a dotenv or JSON value, or a GitLab variable; read it with: kamal-secret get ${found.ref} > FILE`,
      { fix: `or store it as text: base64 FILE | kamal-secret set ${found.ref}` },
    );
  }
  return { ref: found.ref, value: text };
}

export function list(payload: Payload): Listed[] {
  return Object.entries(payload.secrets)
    .map(([ref, r]) => ({ ref, ...splitRef(ref), updated_at: r.updated_at }))
    .sort((a, b) => (a.scope === b.scope ? cmp(a.name, b.name) : cmp(a.scope, b.scope)));
}

/** Code-unit order, as the vault file and every listing sort names. */
export const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Apply `m` to `payload` in place. Throws UserError for a missing or clashing reference. */
export function applyMutation(payload: Payload, m: Mutation, now = new Date().toISOString()): MutationResult {
  const secrets = payload.secrets;
  switch (m.op) {
    case 'set': {
      const existing = own(secrets, m.ref);
      secrets[m.ref] = record(valueBytes(m), existing, now);
      return { action: existing ? 'updated' : 'created', ref: m.ref };
    }
    case 'rm':
      if (!own(secrets, m.ref)) throw missing(m.ref);
      delete secrets[m.ref];
      return { action: 'removed', ref: m.ref };
    case 'mv': {
      const source = own(secrets, m.from);
      if (!source) throw missing(m.from);
      if (m.to === m.from)
        throw new UsageError(`${m.from} and ${m.to} are the same secret: give another name or scope to move it to`);
      if (own(secrets, m.to)) throw new UserError(`${m.to} already exists; remove it first (kamal-secret rm ${m.to})`);
      secrets[m.to] = { ...source, updated_at: now };
      delete secrets[m.from];
      return { action: 'moved', ref: m.to };
    }
    case 'import': {
      const report: ImportReport = { created: [], updated: [], unchanged: [], skipped: [] };
      for (const [name, value] of m.entries) {
        const ref = formatRef({ scope: m.scope, name } satisfies Ref);
        const existing = own(secrets, ref);
        if (existing && existing.value === value) report.unchanged.push(name);
        else if (existing && !m.overwrite) report.skipped.push(name);
        else {
          secrets[ref] = record(Buffer.from(value), existing, now);
          (existing ? report.updated : report.created).push(name);
        }
      }
      return report;
    }
  }
}

function record(bytes: Uint8Array, existing: SecretRecord | undefined, now: string): SecretRecord {
  return { ...storedValue(bytes), created_at: existing?.created_at ?? now, updated_at: now };
}

function missing(ref: string): UserError {
  const { scope, name } = splitRef(ref);
  return new UserError(`${name} does not exist in ${describeScope(scope)}; see: kamal-secret list`);
}
