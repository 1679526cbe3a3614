// The team vault layered over the personal one (DESIGN §7): along a lookup's chain,
// each scope of the team answers from the team vault first, then from the personal
// vault; the global scope is the personal vault's. A name the team holds in a scope the
// member cannot read is "no access to SCOPE", never "not found". Shared by the agent
// and the in-process session, so both answer the same.

import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { type StoredValue, storedValue } from '../light/secret-value.js';
import { chainReachesTeam, type TeamPlace } from '../light/team-place.js';
import type { Payload } from '../vault/format.js';
import { type AllSecrets, allSecrets, type Found, type FoundValue, lookupValue, visible } from '../vault/secrets.js';
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

/** The first of `name` along `chain` (innermost first), the team's before the personal vault's in each scope. */
export function lookupLayered(
  payload: Payload,
  team: TeamVault | null,
  name: string,
  chain: string[],
): FoundValue | null {
  for (const scope of chain) {
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
export function visibleLayered(payload: Payload, team: TeamVault | null, chain: string[]): Map<string, Found> {
  const found = visible(payload, chain);
  if (!team) return found;
  const rank = (ref: string) => chain.indexOf(ref.slice(0, ref.lastIndexOf('/')));
  const teamWinners = new Map<string, TeamVault['secrets'][number]>();
  for (const info of team.secrets) {
    const at = chain.indexOf(info.scope);
    const best = teamWinners.get(info.name);
    if (at !== -1 && (!best || at < rank(best.ref))) teamWinners.set(info.name, info);
  }
  const values = readableTeamSecrets(team);
  for (const [name, info] of teamWinners) {
    const personal = found.get(name);
    if (personal && rank(personal.ref) < rank(info.ref)) continue;
    if (!info.readable) throw noAccess(team, info.scope);
    found.set(name, { ref: info.ref, value: values.get(info.scope)!.get(name)! });
  }
  return new Map([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The whole vault as text: the team's readable secrets in place of the personal vault's of the same reference. */
export function allLayered(payload: Payload, team: TeamVault | null): AllSecrets {
  const personal = allSecrets(payload);
  if (!team) return personal;
  const text = new Map(personal.secrets);
  const binary = new Set(personal.binary);
  for (const [scope, secrets] of readableTeamSecrets(team))
    for (const [name, value] of secrets) {
      text.set(`${scope}/${name}`, value);
      binary.delete(`${scope}/${name}`);
    }
  return { secrets: [...text], binary: [...binary] };
}

/**
 * Opens the team vault at a place for the personal vault's owner, at most once per
 * change of the file (its stat signature) or of what they remember; null when there is
 * no file, or its owner has not joined a team of that app. Holds decrypted values:
 * `forget()` on lock.
 */
export class TeamOpener {
  private cached: { signature: string; identity: string; vault: TeamVault } | null = null;

  async open(place: TeamPlace, payload: Payload): Promise<TeamVault | null> {
    const memory = payload.teams?.[place.app];
    if (!memory || payload.identity === undefined) return null;
    const stat = statOrNull(place.file);
    if (!stat) return null;
    const signature = `${place.file}\n${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}\n${JSON.stringify(memory)}`;
    const cached = this.cached;
    if (cached?.signature === signature && cached.identity === payload.identity) return cached.vault;
    const vault = await openTeamVault(readFileSync(place.file, 'utf8'), await parseIdentity(payload.identity), {
      file: place.file,
      app: place.app,
      trust: { memory },
    });
    this.cached = { signature, identity: payload.identity, vault };
    return vault;
  }

  forget(): void {
    this.cached = null;
  }
}

/**
 * What a lookup along `chain` sees of the app's team vault: the vault (null when there is
 * none, or the chain reaches no scope of the team), or why its owner cannot open it, having
 * been removed. A removed member's personal vault still answers them; the team's secrets
 * then answer as they do one who never joined (shutOut).
 */
export interface TeamView {
  vault: TeamVault | null;
  refusal: NotAMember | null;
}

export async function teamFor(
  opener: TeamOpener,
  payload: Payload,
  place: TeamPlace | undefined,
  chain: string[] | null,
  remember: (app: string, memory: TeamMemory) => Promise<void>,
): Promise<TeamView> {
  if (!place || (chain && !chainReachesTeam(chain, place))) return { vault: null, refusal: null };
  let vault: TeamVault | null;
  try {
    vault = await opener.open(place, payload);
  } catch (err) {
    if (err instanceof NotAMember) return { vault: null, refusal: err };
    throw err;
  }
  const known = payload.teams?.[place.app];
  if (vault && known && vault.memory.seq > known.seq) await remember(place.app, vault.memory);
  return { vault, refusal: null };
}

/**
 * For a lookup that found nothing: when the app's team vault holds `name` in the chain
 * and its owner cannot open it, not having joined or having been removed (`view`), the
 * error that says so (instead of "not found").
 */
export function shutOut(
  place: TeamPlace | undefined,
  view: TeamView,
  payload: Payload,
  name: string,
  chain: string[],
): UserError | null {
  if (!place || !chainReachesTeam(chain, place)) return null;
  if (payload.teams?.[place.app] && !view.refusal) return null; // a member: the lookup itself answered
  let refs: string[];
  try {
    refs = parseTeamFile(readFileSync(place.file, 'utf8')).secrets.map((s) => s.record.secret);
  } catch {
    return null; // no file, or not one to read: a plain "not found"
  }
  const held = chain.map((scope) => `${scope}/${name}`).find((ref) => refs.includes(ref));
  if (!held) return null;
  if (view.refusal)
    return new UserError(`${held}: ${view.refusal.message}`, { code: 'no_access', fix: view.refusal.fix });
  return new UserError(`${held} is in the team vault ${place.file}, which you have not joined`, {
    code: 'no_access',
    fix: 'give a member the line `kamal-secret identity` prints; they add you and give you the command to join',
  });
}

function statOrNull(file: string) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}
