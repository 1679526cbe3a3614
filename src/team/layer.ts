// The team vault layered over the personal one (DESIGN §7): along a lookup's chain,
// each scope of the team answers from the team vault first, then from the personal
// vault; the global scope is the personal vault's. A name the team holds in a scope the
// member cannot read is "no access to SCOPE", never "not found". Shared by the agent
// and the in-process session, so both answer the same.

import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { splitRef, winningRef, winningRefs } from '../light/refs.js';
import { type StoredValue, storedValue } from '../light/secret-value.js';
import { chainReachesTeam, type TeamPlace } from '../light/team-place.js';
import type { Payload } from '../vault/format.js';
import {
  type AllSecrets,
  allSecrets,
  asText,
  cmp,
  type Found,
  type FoundValue,
  storedAt,
  teamMemory,
  type Unreadable,
} from '../vault/secrets.js';
import { parseTeamFile } from './format.js';
import { parseIdentity } from './identity.js';
import { lookupTeamSecret, openTeamVault, readableTeamSecrets, type TeamVault } from './team-vault.js';
import { NotAMember, type TeamMemory } from './verify.js';

export function noAccess(team: TeamVault, scope: string): UserError {
  return new UserError(`no access to ${scope} in the team vault ${team.file}`, {
    code: 'no_access',
    fix: `you are ${team.me}, with ${team.readable.join(', ') || 'no scope'}; a member who can read ${scope} can read that secret for you`,
  });
}

/**
 * The first of `name` along `chain` (innermost first), the team's before the personal
 * vault's in each scope; a name the team holds where its owner was removed is refused.
 */
export function lookupLayered(payload: Payload, view: TeamView, name: string, chain: string[]): FoundValue | null {
  const ref = winningRef(name, chain, (ref) => holdsAt(payload, view, ref));
  return ref === null ? null : answerAt(payload, view, ref);
}

/** Every name visible along `chain`, as text, by the same rule as lookupLayered. Sorted by name. */
export function visibleLayered(payload: Payload, view: TeamView, chain: string[]): Map<string, Found> {
  const refs = [
    ...Object.keys(payload.secrets),
    ...(view.vault?.secrets.map((info) => info.ref) ?? []),
    ...(view.refusal?.refs ?? []),
  ];
  // Only the winners are read: a binary personal secret the team's text hides must not stop run.
  return new Map(
    [...winningRefs(refs, chain)]
      .sort(([a], [b]) => cmp(a, b))
      .flatMap(([name, ref]) => {
        const found = answerAt(payload, view, ref);
        return found ? [[name, asText(found)] as const] : [];
      }),
  );
}

/** Whether either layer holds `ref` (the team, even unreadable or refused, counts). */
function holdsAt(payload: Payload, view: TeamView, ref: string): boolean {
  if (view.refusal?.refs.has(ref) || Object.hasOwn(payload.secrets, ref)) return true;
  const team = view.vault;
  if (!team) return false;
  const { scope, name } = splitRef(ref);
  return team.scopes.includes(scope) && lookupTeamSecret(team, scope, name).status !== 'absent';
}

/** What `ref` answers: the team's secret before the personal vault's; a team secret its reader cannot have throws why. */
function answerAt(payload: Payload, view: TeamView, ref: string): FoundValue | null {
  if (view.refusal?.refs.has(ref)) throw refused(view.refusal, ref);
  const team = view.vault;
  const { scope, name } = splitRef(ref);
  if (team?.scopes.includes(scope)) {
    const found = lookupTeamSecret(team, scope, name);
    if (found.status === 'found') return { ref, ...(storedValue(found.value) as StoredValue) };
    if (found.status === 'no_access') throw noAccess(team, scope);
  }
  return storedAt(payload, ref);
}

/**
 * The whole vault as text: the team's readable secrets in place of the personal vault's of
 * the same reference. Refused where the owner was removed from the team: the team's
 * secrets would replace some of theirs, and which is unknowable.
 */
export function allLayered(payload: Payload, view: TeamView, place: TeamPlace | undefined): AllSecrets {
  if (view.refusal) throw view.refusal.error;
  const team = view.vault;
  const personal = allSecrets(payload);
  if (!team) {
    const unjoined = unjoinedSecrets(place, payload);
    return unjoined.length ? { ...personal, unjoined } : personal;
  }
  const text = new Map(personal.secrets);
  const binary = new Set(personal.binary);
  for (const [scope, secrets] of readableTeamSecrets(team))
    for (const [name, value] of secrets) {
      // as get and run take it: text, or binary (a NUL in it)
      const ref = `${scope}/${name}`;
      const asStored = storedValue(value);
      if (asStored.value === undefined) {
        text.delete(ref);
        binary.add(ref);
      } else {
        text.set(ref, asStored.value);
        binary.delete(ref);
      }
    }
  const unreadable = team.secrets
    .filter((info) => !info.readable)
    .map((info) => {
      const err = noAccess(team, info.scope);
      return { ref: info.ref, why: err.message, fix: err.fix ?? '' };
    });
  return { secrets: [...text], binary: [...binary], unreadable };
}

/**
 * Opens the team vault at a place for the personal vault's owner, at most once per
 * change of the file (its stat signature) or of what they remember; NO_TEAM when there is
 * no file, or its owner has not joined a team of that app; a refusal when they were
 * removed (kept like a vault, so it costs no second verification). Holds decrypted
 * values: `forget()` on lock.
 */
export class TeamOpener {
  private cached: { signature: string; identity: string; view: TeamView } | null = null;

  /** The team vault at `place` as its owner sees it (§5): a vault, a refusal, or neither. Throws on a file it refuses. */
  async open(place: TeamPlace, payload: Payload): Promise<TeamView> {
    const memory = teamMemory(payload, place.app);
    if (!memory || payload.identity === undefined) return NO_TEAM;
    const stat = statOrNull(place.file);
    if (!stat) return NO_TEAM;
    const signature = `${place.file}\n${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}\n${JSON.stringify(memory)}`;
    const cached = this.cached;
    if (cached?.signature === signature && cached.identity === payload.identity) return cached.view;
    const source = readFileSync(place.file, 'utf8');
    let view: TeamView;
    try {
      const opened = { file: place.file, app: place.app, trust: { memory } };
      view = { vault: await openTeamVault(source, await parseIdentity(payload.identity), opened), refusal: null };
    } catch (err) {
      if (!(err instanceof NotAMember)) throw err;
      // Only the team's own scopes: an unverified line naming another cannot refuse a lookup there.
      const refs = secretRefs(source).filter((ref) => chainReachesTeam([splitRef(ref).scope], place));
      view = { vault: null, refusal: { error: err, refs: new Set(refs) } };
    }
    this.cached = { signature, identity: payload.identity, view };
    return view;
  }

  forget(): void {
    this.cached = null;
  }
}

/**
 * What a lookup sees of the app's team vault: the vault (null when there is none, the
 * chain reaches no scope of the team, or its owner has not joined), or why its owner, who
 * had joined, cannot open it (removed). A removed member's own vault still answers them,
 * except for a name the team holds where its value would have won: that is refused, so a
 * stale personal value never stands in for the team's.
 */
export interface TeamView {
  vault: TeamVault | null;
  refusal: Refusal | null;
}

export interface Refusal {
  error: NotAMember;
  /** the secrets the file lists: unverified (step 7 needs membership), so they decide between a refusal and the owner's own value, never give one */
  refs: ReadonlySet<string>;
}

export const NO_TEAM: TeamView = { vault: null, refusal: null };

function refused(refusal: Refusal, ref: string): UserError {
  return new UserError(`${ref}: ${refusal.error.message}`, { code: 'no_access', fix: refusal.error.fix });
}

export async function teamFor(
  opener: TeamOpener,
  payload: Payload,
  place: TeamPlace | undefined,
  chain: string[] | null,
  remember: (app: string, memory: TeamMemory) => Promise<void>,
): Promise<TeamView> {
  if (!place || (chain && !chainReachesTeam(chain, place))) return NO_TEAM;
  const view = await opener.open(place, payload);
  const known = teamMemory(payload, place.app);
  if (view.vault && known && view.vault.memory.seq > known.seq) await remember(place.app, view.vault.memory);
  return view;
}

/**
 * For a lookup that found nothing: when the app's team vault holds `name` in the chain
 * and its owner has not joined that team, the error that says so (instead of "not found").
 */
export function notJoined(
  place: TeamPlace | undefined,
  payload: Payload,
  name: string,
  chain: string[],
): UserError | null {
  if (!place || !chainReachesTeam(chain, place)) return null;
  const unjoined = new Map(unjoinedSecrets(place, payload).map((u) => [u.ref, u]));
  const ref = winningRef(name, chain, (ref) => unjoined.has(ref));
  const held = ref === null ? undefined : unjoined.get(ref);
  return held ? new UserError(held.why, { code: 'no_access', fix: held.fix }) : null;
}

/**
 * The secrets the app's team vault lists in its scopes when the personal vault's owner has
 * not joined it (none when they have, or there is no file to read): what they cannot read, and why.
 */
function unjoinedSecrets(place: TeamPlace | undefined, payload: Payload): Unreadable[] {
  if (!place || teamMemory(payload, place.app)) return [];
  let refs: string[];
  try {
    refs = secretRefs(readFileSync(place.file, 'utf8'));
  } catch {
    return []; // no file, or not one to read: a plain "not found"
  }
  return refs
    .filter((ref) => chainReachesTeam([splitRef(ref).scope], place))
    .map((ref) => ({
      ref,
      why: `${ref} is in the team vault ${place.file}, which you have not joined`,
      fix: 'give a member the line `kamal-secret identity` prints; they add you and give you the command to join',
    }));
}

/** The references of the secrets a team file lists, unverified; throws on a file that does not parse. */
const secretRefs = (source: string) => parseTeamFile(source).secrets.map((s) => s.record.secret);

function statOrNull(file: string) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
