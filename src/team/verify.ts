// Whether a team vault is to be believed, step by step as docs/team-vault.md
// ("Opening the file") lists them. Everything is checked before anything is returned:
// a file with one bad line is refused whole.

import { UserError } from '../errors.js';
import {
  hashLine,
  isValidTeamScope,
  type LogEntry,
  type Member,
  type NewKey,
  parseTeamFile,
  signedMessage,
  splitSecretRef,
  type TeamFile,
  TeamFileError,
  valueAd,
} from './format.js';
import { type Identity, parseRecipient, type Recipient } from './identity.js';
import { decryptValue, keyCheck, openKey, verifyMessage } from './sealing.js';

/**
 * What a member remembers of a team (kept in the personal vault): the last member
 * change it has verified. A file whose history does not contain that change is refused.
 */
export interface TeamMemory {
  team: string;
  app: string;
  /** number of the last member change seen */
  seq: number;
  /** hash of its line */
  head: string;
}

/**
 * What a member trusts when opening: what it remembers, or, the first time, the join
 * code a member gave it (the hash of a member change, normally the one that added it).
 */
export type TeamTrust = { memory: TeamMemory } | { joinCode: string };

export type MemberState = Member & Recipient;

/** A verified file, with the opener's scope keys and the values it may read. */
export interface Verified {
  source: string;
  file: TeamFile;
  team: string;
  app: string;
  scopes: string[];
  members: Map<string, MemberState>;
  /** the key in use per scope */
  epochs: Map<string, NewKey>;
  me: MemberState;
  scopeKeys: Map<string, Uint8Array>;
  /** reference → value, for the secrets in the opener's scopes */
  values: Map<string, string>;
  memory: TeamMemory;
}

export interface OpenOptions {
  /** the file's path as the user should read it in messages */
  file: string;
  /** the app it must belong to (deploy.yml's service) */
  app: string;
  trust: TeamTrust;
}

/** Verify `source` as `identity`. Throws a UserError naming the file: `team_refused`, or `no_access` for a non-member. */
export async function verifyTeamVault(source: string, identity: Identity, options: OpenOptions): Promise<Verified> {
  try {
    return await verify(source, identity, options);
  } catch (e) {
    if (!(e instanceof TeamFileError)) throw e;
    throw new UserError(`refusing the team vault ${options.file}: ${e.reason}`, {
      code: 'team_refused',
      fix: e.fix ?? `nothing was changed; compare it with its git history (git log -p -- ${options.file})`,
    });
  }
}

async function verify(source: string, identity: Identity, { file: path, app, trust }: OpenOptions): Promise<Verified> {
  const file = parseTeamFile(source);
  const { team } = file.header.record;
  if (file.header.record.app !== app)
    throw new TeamFileError(`it belongs to app ${file.header.record.app}, not to ${app}`);
  const hashes = file.log.map((line) => hashLine(line.text));
  if (hashes[0] !== team) throw new TeamFileError('its header names another team than its first member change creates');
  checkTrust(hashes, team, trust);
  const history = await replay(file, app);
  const me = [...history.members.values()].find((m) => m.recipient === identity.recipient);
  if (!me) throw notAMember(path, identity, history.removed.get(identity.recipient));
  const scopeKeys = await openMyKeys(history, me, identity);
  const values = await checkSecrets(file, team, history, scopeKeys);
  return {
    source,
    file,
    team,
    app,
    ...history,
    me,
    scopeKeys,
    values,
    memory: { team, app, seq: hashes.length, head: hashes[hashes.length - 1] },
  };
}

function checkTrust(hashes: string[], team: string, trust: TeamTrust): void {
  if ('joinCode' in trust) {
    if (!hashes.includes(trust.joinCode))
      throw new TeamFileError(
        'it does not contain the member change your join code names: it is not the team you were invited to, or it is older than your invitation',
        'pull the latest commits, and check the join code with the member who gave it',
      );
    return;
  }
  const { memory } = trust;
  if (memory.team !== team)
    throw new TeamFileError(
      `it is another team's file (team ${team.slice(0, 12)}…, not ${memory.team.slice(0, 12)}…, the team you joined): it was replaced`,
    );
  if (hashes.length < memory.seq)
    throw new TeamFileError(
      `it lacks member changes you have already seen (it has ${hashes.length}, you saw ${memory.seq}): it was rolled back, or this branch is older than one you opened`,
      'pull or merge the latest commits; a member change cannot be undone by going back in history',
    );
  if (hashes[memory.seq - 1] !== memory.head)
    throw new TeamFileError(
      `its member change ${memory.seq} is not the one you saw: its history of members was rewritten`,
    );
}

interface History {
  scopes: string[];
  members: Map<string, MemberState>;
  epochs: Map<string, NewKey>;
  /** the box of each grant, by scope, epoch and the recipient it was sealed to */
  grants: Map<string, string>;
  /** recipient → the member change that removed it */
  removed: Map<string, { by: string; log: number }>;
}

const grantKey = (scope: string, epoch: number, recipient: string) => `${scope} ${epoch} ${recipient}`;
const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && new Set(a).size === a.length && a.every((x) => b.includes(x));

/** Replays the log of member changes from the first, checking each against the state before it. */
async function replay(file: TeamFile, app: string): Promise<History> {
  const h: History = { scopes: [], members: new Map(), epochs: new Map(), grants: new Map(), removed: new Map() };
  for (const [i, line] of file.log.entries()) {
    const entry = line.record;
    const fail = (reason: string) => new TeamFileError(`member change ${entry.log} (line ${line.number}) ${reason}`);
    if ((i === 0) !== (entry.kind === 'create'))
      throw fail(i === 0 ? 'should be the one that creates the team' : 'creates the team a second time');
    if (entry.kind !== 'create' && entry.prev !== hashLine(file.log[i - 1].text))
      throw fail(`does not follow member change ${i} (its prev differs): the history was edited`);
    const signer = entry.kind === 'create' ? await memberState(entry.member, fail) : h.members.get(entry.by);
    if (!signer || signer.name !== entry.by) throw fail(`is signed as ${entry.by}, who is not a member`);
    if (!(await verifyMessage(signer.verifyingKey, signedMessage(entry, ''), entry.sig)))
      throw fail(`does not carry a valid signature of ${entry.by}`);
    const expected = await apply(h, entry, signer, app, fail);
    const keys = entry.keys.map((k) => `${k.scope} ${k.epoch}`);
    if (!sameSet(keys, expected.keys)) throw fail('brings in other scope keys than it should');
    const grants = entry.grants.map((g) => `${g.to} ${g.scope} ${g.epoch}`);
    if (!sameSet(grants, expected.grants)) throw fail('hands out scope keys to other members than it should');
    for (const k of entry.keys) h.epochs.set(k.scope, k);
    for (const g of entry.grants) h.grants.set(grantKey(g.scope, g.epoch, h.members.get(g.to)!.recipient), g.box);
  }
  return h;
}

interface Expected {
  /** `scope epoch` of each key the entry must bring in */
  keys: string[];
  /** `member scope epoch` of each grant it must carry */
  grants: string[];
}

/** Applies one member change to `h` if its author may make it; returns the keys and grants it must carry. */
async function apply(
  h: History,
  entry: LogEntry,
  signer: MemberState,
  app: string,
  fail: (reason: string) => TeamFileError,
): Promise<Expected> {
  const holds = (scope: string) => signer.scopes.includes(scope);
  const current = (scope: string) => `${scope} ${h.epochs.get(scope)!.epoch}`;
  switch (entry.kind) {
    case 'create': {
      const { member } = entry;
      if (entry.app !== app) throw fail(`creates a team for app ${entry.app}, not ${app}`);
      if (member.scopes.length === 0 || !member.scopes.every((s) => isValidTeamScope(s, app)))
        throw fail(`gives the team scopes that are not ${app} or ${app}/DESTINATION`);
      h.scopes = member.scopes;
      h.members.set(member.name, signer);
      return {
        keys: member.scopes.map((s) => `${s} 1`),
        grants: member.scopes.map((s) => `${member.name} ${s} 1`),
      };
    }
    case 'add': {
      const { member } = entry;
      if (h.members.has(member.name)) throw fail(`adds ${member.name}, who is already a member`);
      if ([...h.members.values()].some((m) => m.recipient === member.recipient))
        throw fail(`adds ${member.name} with the recipient of a member already there`);
      const added = await memberState(member, fail);
      if (member.scopes.length === 0 || !member.scopes.every((s) => h.scopes.includes(s)))
        throw fail(`gives ${member.name} scopes the team does not have`);
      const beyond = member.scopes.find((s) => !holds(s));
      if (beyond) throw fail(`gives ${member.name} ${beyond}, which ${entry.by} cannot read`);
      h.members.set(member.name, added);
      return { keys: [], grants: member.scopes.map((s) => `${member.name} ${current(s)}`) };
    }
    case 'remove': {
      const target = h.members.get(entry.name);
      if (!target) throw fail(`removes ${entry.name}, who is not a member`);
      if (target.name === entry.by) throw fail(`has ${entry.by} remove themselves`);
      const beyond = target.scopes.find((s) => !holds(s));
      if (beyond) throw fail(`removes ${entry.name}, who can read ${beyond}, which ${entry.by} cannot`);
      h.members.delete(target.name);
      h.removed.set(target.recipient, { by: entry.by, log: entry.log });
      const next = (scope: string) => `${scope} ${h.epochs.get(scope)!.epoch + 1}`;
      return {
        keys: target.scopes.map(next),
        grants: target.scopes.flatMap((s) =>
          [...h.members.values()].filter((m) => m.scopes.includes(s)).map((m) => `${m.name} ${next(s)}`),
        ),
      };
    }
  }
}

async function memberState(member: Member, fail: (reason: string) => TeamFileError): Promise<MemberState> {
  const recipient = await parseRecipient(member.recipient);
  if (!recipient) throw fail(`gives ${member.name} a recipient that is not an X25519 public key`);
  if (!member.scopes.every((s, i) => i === 0 || member.scopes[i - 1] < s))
    throw fail(`lists ${member.name}'s scopes out of order or twice`);
  return { ...member, ...recipient };
}

/** The team vault is authentic, but its opener is not (or no longer) one of its members. */
export class NotAMember extends UserError {}

function notAMember(path: string, identity: Identity, removal: { by: string; log: number } | undefined): NotAMember {
  const message = removal
    ? `you were removed from the team vault ${path} by ${removal.by} (member change ${removal.log})`
    : `you are not a member of the team vault ${path}`;
  return new NotAMember(message, {
    code: 'no_access',
    fix: `a member can add you with: kamal-secret team add NAME ${identity.recipient}`,
  });
}

/** The keys of the scopes `me` holds, each checked against its commitment. */
async function openMyKeys(h: History, me: MemberState, identity: Identity): Promise<Map<string, Uint8Array>> {
  const keys = new Map<string, Uint8Array>();
  for (const scope of me.scopes) {
    const { epoch, check } = h.epochs.get(scope)!;
    const key = await openKey(h.grants.get(grantKey(scope, epoch, me.recipient))!, identity);
    if (!key || (await keyCheck(key, scope, epoch)) !== check)
      throw new TeamFileError(`the key of ${scope} sealed to you does not open, or is not the key its members share`);
    keys.set(scope, key);
  }
  return keys;
}

/** Checks every secret line; returns the values of those the opener may read. */
async function checkSecrets(
  file: TeamFile,
  team: string,
  h: History,
  scopeKeys: Map<string, Uint8Array>,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const { number, record } of file.secrets) {
    const fail = (reason: string, fix?: string) =>
      new TeamFileError(`line ${number} (${record.secret}, by ${record.by}) ${reason}`, fix);
    const { scope } = splitSecretRef(record.secret)!;
    const inUse = h.epochs.get(scope);
    if (!inUse) throw fail(`is in ${scope}, which is not one of the team's scopes`);
    const writer = h.members.get(record.by);
    if (!writer) throw fail(`was written by ${record.by}, who is not a member`);
    if (!writer.scopes.includes(scope)) throw fail(`was written by ${record.by}, who cannot read ${scope}`);
    if (record.epoch !== inUse.epoch)
      throw fail(
        `was encrypted with a key of ${scope} that a member change has since replaced`,
        'it was written on a branch merged after that change: delete the line and set the secret again',
      );
    if (!(await verifyMessage(writer.verifyingKey, signedMessage(record, team), record.sig)))
      throw fail(`does not carry a valid signature of ${record.by}`);
    const key = scopeKeys.get(scope);
    if (!key) continue;
    const value = await decryptValue(record.value, key, valueAd(team, record.secret, record.epoch));
    if (value === null) throw fail(`does not decrypt with the key of ${scope}`);
    values.set(record.secret, value);
  }
  return values;
}
