// The team vault layered over the personal one (DESIGN §7): along a lookup's chain,
// each scope of the team answers from the team vault first, then from the personal
// vault; the global scope is the personal vault's. A name the team holds in a scope the
// member cannot read is "no access to SCOPE", never "not found". Shared by the agent
// and the in-process session, so both answer the same.

import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { formatRef, splitRef } from '../light/refs.js';
import { type StoredValue, storedValue } from '../light/secret-value.js';
import { chainReachesTeam, type TeamPlace } from '../light/team-place.js';
import type { Payload } from '../vault/format.js';
import {
  type AllSecrets,
  allSecrets,
  type Found,
  type FoundValue,
  lookupValue,
  textFound,
  visibleRefs,
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
  const team = view.vault;
  for (const scope of chain) {
    const ref = formatRef({ scope, name });
    if (view.refusal?.refs.has(ref)) throw refused(view.refusal, ref);
    if (team?.scopes.includes(scope)) {
      const found = lookupTeamSecret(team, scope, name);
      if (found.status === 'found') return { ref: `${scope}/${name}`, ...(storedValue(found.value) as StoredValue) };
      if (found.status === 'no_access') throw noAccess(team, scope);
    }
    const personal = lookupValue(payload, name, [scope]);
    if (personal) return personal;
  }
  return null;
}

/** Every name visible along `chain`, as text, inner scopes winning and the team first within a scope. Sorted by name. */
export function visibleLayered(payload: Payload, view: TeamView, chain: string[]): Map<string, Found> {
  // The personal winners by reference first: one the team's value hides is never read as text
  // (a binary personal secret there must not stop run).
  const personal = visibleRefs(payload, chain);
  const rank = (ref: string) => chain.indexOf(splitRef(ref).scope);
  const beatsTeam = (ref: string) => {
    const mine = personal.get(splitRef(ref).name);
    return mine !== undefined && rank(mine) < rank(ref);
  };
  if (view.refusal) {
    for (const ref of view.refusal.refs) if (rank(ref) !== -1 && !beatsTeam(ref)) throw refused(view.refusal, ref);
  }
  const found = new Map<string, Found>();
  const team = view.vault;
  if (team) {
    const teamWinners = new Map<string, TeamVault['secrets'][number]>();
    for (const info of team.secrets) {
      const at = chain.indexOf(info.scope);
      const best = teamWinners.get(info.name);
      if (at !== -1 && (!best || at < rank(best.ref))) teamWinners.set(info.name, info);
    }
    const values = readableTeamSecrets(team);
    for (const [name, info] of teamWinners) {
      if (beatsTeam(info.ref)) continue;
      if (!info.readable) throw noAccess(team, info.scope);
      found.set(name, { ref: info.ref, value: values.get(info.scope)!.get(name)! });
    }
  }
  for (const [name, ref] of personal) if (!found.has(name)) found.set(name, textFound(payload, ref));
  return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The whole vault as text: the team's readable secrets in place of the personal vault's of
 * the same reference. Refused where the owner was removed from the team: the team's
 * secrets would replace some of theirs, and which is unknowable.
 */
export function allLayered(payload: Payload, view: TeamView): AllSecrets {
  if (view.refusal) throw view.refusal.error;
  const team = view.vault;
  const personal = allSecrets(payload);
  if (!team) return personal;
  const text = new Map(personal.secrets);
  const binary = new Set(personal.binary);
  for (const [scope, secrets] of readableTeamSecrets(team))
    for (const [name, value] of secrets) {
      text.set(`${scope}/${name}`, value);
      binary.delete(`${scope}/${name}`);
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
    const memory = payload.teams?.[place.app];
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
  const known = payload.teams?.[place.app];
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
  if (!place || payload.teams?.[place.app] || !chainReachesTeam(chain, place)) return null;
  let refs: string[];
  try {
    refs = secretRefs(readFileSync(place.file, 'utf8'));
  } catch {
    return null; // no file, or not one to read: a plain "not found"
  }
  const held = chain.map((scope) => `${scope}/${name}`).find((ref) => refs.includes(ref));
  return held
    ? new UserError(`${held} is in the team vault ${place.file}, which you have not joined`, {
        code: 'no_access',
        fix: 'give a member the line `kamal-secret identity` prints; they add you and give you the command to join',
      })
    : null;
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
