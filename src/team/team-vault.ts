// The team vault for the commands and the agent: open a file as a member, read from
// it, change it, write it out. Pure functions over text and keys; the caller reads and
// writes the file (atomically) and keeps each returned `memory` in the personal vault.
// Every change builds the new text and opens it again through verify.ts, so nothing is
// returned that another member's kamal-secret would refuse.

import { UsageError, UserError } from '../errors.js';
import { validateName } from '../light/refs.js';
import {
  type AddEntry,
  type CreateEntry,
  FORMAT,
  type Grant,
  hashLine,
  isValidMemberName,
  isValidTeamScope,
  type LogEntry,
  lineOf,
  type RemoveEntry,
  type SecretEntry,
  serializeTeamFile,
  signedMessage,
  VERSION,
  valueAd,
} from './format.js';
import { type Identity, requireRecipient } from './identity.js';
import { encryptValue, keyCheck, newScopeKey, randomB64u, sealKey, signMessage } from './sealing.js';
import { type OpenOptions, type TeamMemory, type Verified, verifyTeamVault } from './verify.js';

export interface TeamMember {
  name: string;
  recipient: string;
  scopes: string[];
}

/** A secret as anyone can see it in the file: never its value. */
export interface TeamSecretInfo {
  ref: string;
  scope: string;
  name: string;
  /** the member who wrote it last */
  by: string;
  /** when its value was set (ISO 8601) */
  at: string;
  /** whether the opener can read it */
  readable: boolean;
}

/** An opened, verified team vault. Its values are read with lookupTeamSecret and readableTeamSecrets. */
export interface TeamVault {
  readonly file: string;
  readonly team: string;
  readonly app: string;
  /** the opener's member name */
  readonly me: string;
  /** sorted by name */
  readonly members: TeamMember[];
  /** every scope of the team, sorted */
  readonly scopes: string[];
  /** the scopes the opener can read */
  readonly readable: string[];
  /** the team's scopes the opener cannot read */
  readonly noAccess: string[];
  /** sorted by reference */
  readonly secrets: TeamSecretInfo[];
  /** what to remember of this team from now on (store it in the personal vault) */
  readonly memory: TeamMemory;
}

export type TeamLookup =
  | { status: 'found'; value: string; by: string; at: string }
  | { status: 'no_access' }
  | { status: 'absent' };

interface Internals {
  identity: Identity;
  verified: Verified;
  byRef: Map<string, TeamSecretInfo>;
}
const internals = new WeakMap<TeamVault, Internals>();

function inside(vault: TeamVault) {
  const found = internals.get(vault);
  if (!found) throw new TypeError('not a TeamVault returned by this module');
  return found;
}

/** Opens a team vault as `identity`, verifying all of it (docs/team-vault.md). Throws a UserError naming the file. */
export async function openTeamVault(source: string, identity: Identity, options: OpenOptions): Promise<TeamVault> {
  const verified = await verifyTeamVault(source, identity, options);
  const members = [...verified.members.values()]
    .map(({ name, recipient, scopes }) => ({ name, recipient, scopes }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const vault: TeamVault = {
    file: options.file,
    team: verified.team,
    app: verified.app,
    me: verified.me.name,
    members,
    scopes: [...verified.scopes],
    readable: [...verified.me.scopes],
    noAccess: verified.scopes.filter((s) => !verified.me.scopes.includes(s)),
    secrets: verified.file.secrets
      .map(({ record }) => {
        const slash = record.secret.lastIndexOf('/');
        const scope = record.secret.slice(0, slash);
        return {
          ref: record.secret,
          scope,
          name: record.secret.slice(slash + 1),
          by: record.by,
          at: record.at,
          readable: verified.scopeKeys.has(scope),
        };
      })
      .sort((a, b) => (a.ref < b.ref ? -1 : 1)),
    memory: verified.memory,
  };
  internals.set(vault, { identity, verified, byRef: new Map(vault.secrets.map((s) => [s.ref, s])) });
  return vault;
}

/** The file's text, to write to .kamal/secrets.vault. */
export const serializeTeamVault = (vault: TeamVault): string => inside(vault).verified.source;

/** What a newly added member opens the file with the first time: the hash of the latest member change. */
export const joinCode = (vault: TeamVault): string => vault.memory.head;

/** One scope's answer for NAME: its value, "no access" when it is there but unreadable, or absent. */
export function lookupTeamSecret(vault: TeamVault, scope: string, name: string): TeamLookup {
  const { verified, byRef } = inside(vault);
  const ref = `${scope}/${name}`;
  const info = byRef.get(ref);
  if (!info) return { status: 'absent' };
  if (!info.readable) return { status: 'no_access' };
  return { status: 'found', value: verified.values.get(ref)!, by: info.by, at: info.at };
}

/** Every value the opener can read, by scope then name (kept off TeamVault so that printing one never shows a value). */
export function readableTeamSecrets(vault: TeamVault): Map<string, Map<string, string>> {
  const byScope = new Map(vault.readable.map((scope) => [scope, new Map<string, string>()]));
  for (const [ref, value] of inside(vault).verified.values) {
    const slash = ref.lastIndexOf('/');
    byScope.get(ref.slice(0, slash))!.set(ref.slice(slash + 1), value);
  }
  return byScope;
}

// ---- changes

export interface CreateOptions {
  file: string;
  app: string;
  /** the founder's member name */
  name: string;
  /** every scope of the app: APP and APP/DESTINATION for each destination */
  scopes: string[];
  now: Date;
}

/** A new team with `identity` as its first member, holding every scope. */
export async function createTeam(identity: Identity, o: CreateOptions): Promise<TeamVault> {
  requireMemberName(o.name);
  const scopes = [...new Set(o.scopes)].sort();
  const wrong = scopes.find((s) => !isValidTeamScope(s, o.app));
  if (scopes.length === 0 || wrong !== undefined)
    throw new UsageError(
      `a team of ${o.app} has scopes ${o.app} and ${o.app}/DESTINATION${wrong ? `, not ${wrong}` : ''}`,
    );
  const keys = await Promise.all(scopes.map(async (scope) => ({ scope, key: await newScopeKey() })));
  const entry = await signed<CreateEntry>(identity, {
    at: o.now.toISOString(),
    by: o.name,
    kind: 'create',
    log: 1,
    app: o.app,
    nonce: await randomB64u(16),
    member: { name: o.name, recipient: identity.recipient, scopes },
    keys: await Promise.all(
      keys.map(async ({ scope, key }) => ({ scope, epoch: 1, check: await keyCheck(key, scope, 1) })),
    ),
    grants: await Promise.all(
      keys.map(async ({ scope, key }) => ({
        to: o.name,
        scope,
        epoch: 1,
        box: await sealKey(key, identity.publicKey),
      })),
    ),
  });
  const line = lineOf(entry);
  const header = { app: o.app, format: FORMAT, team: hashLine(line), version: VERSION } as const;
  return openTeamVault(serializeTeamFile(header, [line], []), identity, {
    file: o.file,
    app: o.app,
    trust: { joinCode: header.team },
  });
}

export interface AddOptions {
  name: string;
  /** `age1…` */
  recipient: string;
  /** default: every scope of the team */
  scopes?: string[];
  now: Date;
}

/** Adds a member, sealing them the keys of their scopes. Give them joinCode(result) for their first open. */
export async function addMember(vault: TeamVault, o: AddOptions): Promise<TeamVault> {
  const { verified } = inside(vault);
  requireMemberName(o.name);
  if (verified.members.has(o.name)) throw new UsageError(`${o.name} is already a member of the team`);
  const recipient = await requireRecipient(o.recipient);
  const twin = [...verified.members.values()].find((m) => m.recipient === recipient.recipient);
  if (twin) throw new UsageError(`that recipient is already ${twin.name}'s`);
  const scopes = [...new Set(o.scopes ?? vault.scopes)].sort();
  for (const scope of scopes)
    requireScope(vault, scope, `you cannot give ${o.name} ${scope}: you have no access to it yourself`);
  const grants: Grant[] = [];
  for (const scope of scopes) {
    const key = verified.scopeKeys.get(scope)!;
    grants.push({
      to: o.name,
      scope,
      epoch: verified.epochs.get(scope)!.epoch,
      box: await sealKey(key, recipient.publicKey),
    });
  }
  const member = { name: o.name, recipient: recipient.recipient, scopes };
  return appendLog(vault, { kind: 'add', at: o.now.toISOString(), member, keys: [], grants }, currentSecrets(verified));
}

/**
 * Removes a member: fresh keys for every scope they could read, sealed to the members
 * who keep them, and every value in those scopes encrypted again and signed by the
 * remover. `exposed` lists the secrets they could read: rotate those (git history keeps
 * the old file, and so what they could decrypt).
 */
export async function removeMember(
  vault: TeamVault,
  name: string,
  now: Date,
): Promise<{ vault: TeamVault; exposed: string[] }> {
  const { verified, identity } = inside(vault);
  const target = verified.members.get(name);
  if (!target) throw new UserError(`${name} is not a member of the team`, { code: 'not_found' });
  if (name === vault.me) throw new UsageError('you cannot remove yourself from the team', 'ask another member to');
  for (const scope of target.scopes)
    requireScope(
      vault,
      scope,
      `${name} can read ${scope} and you cannot: only a member who can read all of it can remove ${name}`,
    );
  const rotated = new Map<string, { key: Uint8Array; epoch: number }>();
  for (const scope of target.scopes) {
    rotated.set(scope, { key: await newScopeKey(), epoch: verified.epochs.get(scope)!.epoch + 1 });
  }
  const keys = [];
  const grants: Grant[] = [];
  for (const [scope, { key, epoch }] of rotated) {
    keys.push({ scope, epoch, check: await keyCheck(key, scope, epoch) });
    for (const m of verified.members.values())
      if (m.name !== name && m.scopes.includes(scope))
        grants.push({ to: m.name, scope, epoch, box: await sealKey(key, m.publicKey) });
  }
  const secrets: SecretEntry[] = [];
  for (const record of currentSecrets(verified)) {
    const next = rotated.get(scopeOf(record.secret));
    secrets.push(
      next
        ? await signedSecret(identity, vault, record.secret, verified.values.get(record.secret)!, next, record.at)
        : record,
    );
  }
  const exposed = secrets.map((s) => s.secret).filter((ref) => rotated.has(scopeOf(ref)));
  const removed = await appendLog(vault, { kind: 'remove', at: now.toISOString(), name, keys, grants }, secrets);
  return { vault: removed, exposed: exposed.sort() };
}

/** Sets SCOPE/NAME to `value`, encrypted with the scope's key and signed by the opener. */
export async function setTeamSecret(
  vault: TeamVault,
  scope: string,
  name: string,
  value: string,
  now: Date,
): Promise<{ vault: TeamVault; created: boolean }> {
  const { verified, identity } = inside(vault);
  requireScope(vault, scope);
  const ref = `${scope}/${validateName(name)}`;
  const key = { key: verified.scopeKeys.get(scope)!, epoch: verified.epochs.get(scope)!.epoch };
  const others = currentSecrets(verified).filter((s) => s.secret !== ref);
  const record = await signedSecret(identity, vault, ref, value, key, now.toISOString());
  const created = others.length === verified.file.secrets.length;
  return { vault: await rewrite(vault, logTexts(verified), [...others, record]), created };
}

/** Removes SCOPE/NAME. Missing is an error. */
export async function removeTeamSecret(vault: TeamVault, scope: string, name: string): Promise<TeamVault> {
  const { verified } = inside(vault);
  requireScope(vault, scope);
  const ref = `${scope}/${name}`;
  const others = currentSecrets(verified).filter((s) => s.secret !== ref);
  if (others.length === verified.file.secrets.length)
    throw new UserError(`${ref} is not in the team vault ${vault.file}`, { code: 'not_found' });
  return rewrite(vault, logTexts(verified), others);
}

// ---- helpers

const currentSecrets = (v: Verified) => v.file.secrets.map((line) => line.record);
const logTexts = (v: Verified) => v.file.log.map((line) => line.text);
const scopeOf = (ref: string) => ref.slice(0, ref.lastIndexOf('/'));

function requireMemberName(name: string): void {
  if (!isValidMemberName(name))
    throw new UsageError(
      `invalid member name "${name}": use letters, digits, ".", "_", "@" and "-", starting with a letter or digit, at most 64`,
    );
}

/** A scope of the team that the opener holds; `denied` says what they cannot do without it. */
function requireScope(
  vault: TeamVault,
  scope: string,
  denied = `no access to ${scope} in the team vault ${vault.file}`,
) {
  if (!vault.scopes.includes(scope))
    throw new UsageError(
      `the team vault has no scope ${scope || '(global)'}: its scopes are ${vault.scopes.join(', ')}`,
      scope === '' ? 'global secrets stay in your personal vault: drop --team' : undefined,
    );
  if (!vault.readable.includes(scope)) throw new UserError(denied, { code: 'no_access' });
}

/** T without the fields named, for each member of a union. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Unsigned<T> = Without<T, 'sig'>;

async function signed<T extends LogEntry | SecretEntry>(
  identity: Identity,
  record: Unsigned<T>,
  team = '',
): Promise<T> {
  const draft = { ...record, sig: '' } as unknown as T;
  return { ...draft, sig: await signMessage(identity, signedMessage(draft, team)) };
}

async function signedSecret(
  identity: Identity,
  vault: TeamVault,
  ref: string,
  value: string,
  { key, epoch }: { key: Uint8Array; epoch: number },
  at: string,
): Promise<SecretEntry> {
  const sealed = await encryptValue(value, key, valueAd(vault.team, ref, epoch));
  return signed<SecretEntry>(identity, { secret: ref, by: vault.me, at, epoch, value: sealed }, vault.team);
}

type NewLogEntry = Without<AddEntry | RemoveEntry, 'log' | 'prev' | 'by' | 'sig'>;

async function appendLog(vault: TeamVault, entry: NewLogEntry, secrets: SecretEntry[]): Promise<TeamVault> {
  const { verified, identity } = inside(vault);
  const record = await signed<LogEntry>(identity, {
    ...entry,
    by: vault.me,
    log: verified.memory.seq + 1,
    prev: verified.memory.head,
  } as Unsigned<LogEntry>);
  return rewrite(vault, [...logTexts(verified), lineOf(record)], secrets);
}

/** The new text, opened again as a member would open it. */
function rewrite(vault: TeamVault, log: string[], secrets: SecretEntry[]): Promise<TeamVault> {
  const { verified, identity } = inside(vault);
  const source = serializeTeamFile(verified.file.header.record, log, secrets);
  return openTeamVault(source, identity, { file: vault.file, app: vault.app, trust: { memory: vault.memory } });
}
