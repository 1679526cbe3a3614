// Where the team vault of the app around the working directory is, if there is one
// (DESIGN §7). Cheap (no YAML parser, node built-ins only): the fast `get` and `run`
// paths send it to the agent, which opens the file itself.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KamalApp } from './app.js';
import { isValidScopeSegment } from './refs.js';

/** The app's team vault file (absolute) and the app it must belong to (deploy.yml's service). */
export interface TeamPlace {
  file: string;
  app: string;
}

/** The team vault's path in the app, as git and its users name it. */
export const TEAM_VAULT_PATH = '.kamal/secrets.vault';

/** The team vault path of `app` (findApp), when it has a service name, whether or not the file exists. */
export function appTeamPlace(app: KamalApp | null): TeamPlace | null {
  if (!app) return null;
  const service = app.service;
  if (service === null || !isValidScopeSegment(service)) return null;
  return { file: join(app.root, TEAM_VAULT_PATH), app: service };
}

/** appTeamPlace, when the team vault file exists. */
export function findTeamPlace(app: KamalApp | null): TeamPlace | null {
  const place = appTeamPlace(app);
  return place && existsSync(place.file) ? place : null;
}

/** Whether a lookup along `chain` reaches one of the team's scopes (APP or APP/DEST). */
export const chainReachesTeam = (chain: string[], place: TeamPlace) =>
  chain.some((scope) => scope === place.app || scope.startsWith(`${place.app}/`));

/** The `team` field of an agent read along `chain` in `app`: present when the chain reaches the app's team vault. */
export function inAppOf(app: KamalApp | null, chain: string[]): { team?: TeamPlace } {
  const place = findTeamPlace(app);
  return place && chainReachesTeam(chain, place) ? { team: place } : {};
}
