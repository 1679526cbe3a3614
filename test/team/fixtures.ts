// A small team for the team-vault tests and test vectors: alice founded it (every
// scope), bob reads shop and shop/staging only, carol reads everything. eve is no
// member, with an identity of her own. Helpers forge lines the way an attacker with
// push access (or a rogue member) would. No vitest here: make-vectors.ts uses it too.
import {
  hashLine,
  type LogEntry,
  lineOf,
  parseTeamFile,
  type SecretEntry,
  signedMessage,
  valueAd,
} from '../../src/team/format.js';
import { generateIdentity, type Identity, parseIdentity } from '../../src/team/identity.js';
import {
  addMember,
  createTeam,
  joinCode,
  openTeamVault,
  serializeTeamVault,
  setTeamSecret,
  type TeamMemory,
  type TeamTrust,
  type TeamVault,
} from '../../src/team/index.js';
import { encryptValue, newScopeKey, signMessage } from '../../src/team/sealing.js';

export const FILE = '.kamal/secrets.vault';
export const APP = 'shop';
export const SCOPES = ['shop', 'shop/production', 'shop/staging'];
export const now = new Date('2026-01-01T00:00:00.000Z');

export const newIdentity = async (): Promise<Identity> => parseIdentity(await generateIdentity());

export interface Team {
  alice: Identity;
  bob: Identity;
  carol: Identity;
  eve: Identity;
  /** alice's view after the last change */
  vault: TeamVault;
  /** each member's memory after the last change */
  memory: TeamMemory;
}

/** alice, bob (shop, shop/staging), carol (all), and three secrets, one per scope. */
export async function smallTeam(): Promise<Team> {
  const [alice, bob, carol, eve] = await Promise.all([newIdentity(), newIdentity(), newIdentity(), newIdentity()]);
  let vault = await createTeam(alice, { file: FILE, app: APP, name: 'alice', scopes: SCOPES, now });
  vault = await addMember(vault, { name: 'bob', recipient: bob.recipient, scopes: ['shop', 'shop/staging'], now });
  vault = await addMember(vault, { name: 'carol', recipient: carol.recipient, now });
  for (const [scope, name, value] of [
    ['shop', 'RAILS_MASTER_KEY', 'master-key'],
    ['shop/staging', 'DATABASE_URL', 'postgres://staging'],
    ['shop/production', 'DATABASE_URL', 'postgres://prod\nsecond $line'],
  ])
    vault = (await setTeamSecret(vault, scope, name, value, now)).vault;
  return { alice, bob, carol, eve, vault, memory: vault.memory };
}

export const open = (source: string, identity: Identity, trust: TeamTrust, app = APP) =>
  openTeamVault(source, identity, { file: FILE, app, trust });

export const text = (vault: TeamVault) => serializeTeamVault(vault);
export { joinCode };

/** The file's lines, and a way to put it back together. */
export const lines = (source: string) => source.slice(0, -1).split('\n');
export const join = (ls: string[]) => `${ls.join('\n')}\n`;

/** The index of the line of SCOPE/NAME. */
export const secretLineIndex = (source: string, ref: string) =>
  lines(source).findIndex((l) => (JSON.parse(l) as { secret?: string }).secret === ref);

/** `record` signed by `identity` as it is (a forger's or a rogue member's line). */
export async function signAs<T extends LogEntry | SecretEntry>(
  identity: Identity,
  record: T,
  team: string,
): Promise<T> {
  return { ...record, sig: await signMessage(identity, signedMessage(record, team)) };
}

/** Appends a member change signed by `identity`, chained to the file's last one. */
export async function appendLogAs(
  source: string,
  identity: Identity,
  entry: Omit<LogEntry, 'log' | 'prev' | 'sig'> & Record<string, unknown>,
): Promise<string> {
  const file = parseTeamFile(source);
  const last = file.log[file.log.length - 1];
  const record = { ...entry, log: last.record.log + 1, prev: hashLine(last.text), sig: '' } as LogEntry;
  const forged = lineOf(await signAs(identity, record, ''));
  const all = lines(source);
  all.splice(last.number, 0, forged);
  return join(all);
}

/** The file with line `index` (0-based) replaced by `line`, or removed; index -1 appends `line`. */
export function withLine(source: string, index: number, line?: string): string {
  const all = lines(source);
  if (index === -1) all.push(line!);
  else if (line === undefined) all.splice(index, 1);
  else all[index] = line;
  return join(all);
}

/** A secret line for REF with `value` sealed under `key` (a random one by default), signed by `signer` as `by`. */
export async function forgedSecret(
  signer: Identity,
  team: string,
  by: string,
  ref: string,
  epoch: number,
  value: string,
  key?: Uint8Array,
): Promise<string> {
  const sealed = await encryptValue(value, key ?? (await newScopeKey()), valueAd(team, ref, epoch));
  const record: SecretEntry = { secret: ref, by, at: now.toISOString(), epoch, value: sealed, sig: '' };
  return lineOf(await signAs(signer, record, team));
}
