// The team vault of the app a command runs in: found from the working directory, opened
// with the identity and the memory kept in the personal vault (through whichever session
// holds the key), changed, written back atomically, and remembered. The team commands
// and `set|rm|list --team` do their work here.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { UsageError, UserError } from '../errors.js';
import { findApp } from '../light/app.js';
import { appTeamPlace, type TeamPlace } from '../light/team-place.js';
import { writeAtomic } from '../vault/atomic-file.js';
import type { VaultSession } from '../vault/session.js';
import { GITATTRIBUTES_LINE, TEAM_VAULT_PATH } from './format.js';
import { parseIdentity } from './identity.js';
import { createTeam, openTeamVault, serializeTeamVault, type TeamVault } from './team-vault.js';
import type { TeamTrust } from './verify.js';

export interface AppTeam extends TeamPlace {
  /** the app's root directory */
  root: string;
}

/** The app around `cwd` (its team vault may not exist yet). */
export function appTeam(cwd: string): AppTeam {
  const app = findApp(cwd);
  const place = appTeamPlace(app);
  if (!app || !place)
    throw new UsageError(
      'the team vault belongs to a Kamal app: run this inside one (a config/deploy.yml with a service)',
    );
  return { ...place, root: app.root };
}

/** The team vault of `app`, opened as the session's owner with what they remember of it. */
export async function openAppTeam(session: VaultSession, app: AppTeam): Promise<TeamVault> {
  if (!existsSync(app.file))
    throw new UserError(`${app.app} has no team vault (${TEAM_VAULT_PATH})`, {
      code: 'not_found',
      fix: 'pull the latest commits, or create one with: kamal-secret team init',
    });
  const memory = await session.teamMemory(app.app);
  if (!memory)
    throw new UserError(`you have not joined the team vault ${app.file}`, {
      code: 'no_access',
      fix: 'give a member the line `kamal-secret identity` prints; they add you and give you the command to join',
    });
  const vault = await openAs(session, app, { memory });
  if (vault.memory.seq > memory.seq) await session.rememberTeam(app.app, vault.memory);
  return vault;
}

/** The first open of the team vault by a new member, trusting the join code a member gave them. */
export async function joinAppTeam(session: VaultSession, app: AppTeam, joinCode: string): Promise<TeamVault> {
  if (!existsSync(app.file))
    throw new UserError(`${app.app} has no team vault (${TEAM_VAULT_PATH}) yet`, {
      code: 'not_found',
      fix: 'pull the commit that adds you, then join again',
    });
  const vault = await openAs(session, app, { joinCode });
  await session.rememberTeam(app.app, vault.memory);
  return vault;
}

/** A new team vault for `app` with the owner as its only member, holding `scopes`; with the .gitattributes line. */
export async function initAppTeam(
  session: VaultSession,
  app: AppTeam,
  name: string,
  scopes: string[],
  now: Date,
): Promise<TeamVault> {
  if (existsSync(app.file))
    throw new UserError(`${app.app} already has a team vault (${app.file})`, {
      code: 'exists',
      fix: 'ask a member to add you: kamal-secret team add NAME RECIPIENT',
    });
  const identity = await parseIdentity(await session.identity());
  const vault = await createTeam(identity, { file: app.file, app: app.app, name, scopes, now });
  mkdirSync(dirname(app.file), { recursive: true });
  await saveAppTeam(session, app, vault);
  addGitAttributes(app.root);
  return vault;
}

/** Writes the changed team vault atomically and remembers its latest member change. */
export async function saveAppTeam(session: VaultSession, app: AppTeam, vault: TeamVault): Promise<void> {
  writeAtomic(app.file, serializeTeamVault(vault));
  await session.rememberTeam(app.app, vault.memory);
}

/** Opens the team vault of `app`, applies `change`, and saves what it returns. */
export async function changeAppTeam<T>(
  session: VaultSession,
  app: AppTeam,
  change: (vault: TeamVault) => Promise<{ vault: TeamVault; result: T }>,
): Promise<T> {
  const { vault, result } = await change(await openAppTeam(session, app));
  await saveAppTeam(session, app, vault);
  return result;
}

/** The team vault's path as the user sees it from `cwd`. */
export const shownPath = (app: AppTeam, cwd: string) => relative(cwd, app.file) || app.file;

function addGitAttributes(root: string): void {
  const file = join(root, '.gitattributes');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (text.split('\n').some((line) => line.trim() === GITATTRIBUTES_LINE)) return;
  writeFileSync(file, `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${GITATTRIBUTES_LINE}\n`);
}

/** The app's team vault file, opened with this user's identity under `trust`. */
async function openAs(session: VaultSession, app: AppTeam, trust: TeamTrust): Promise<TeamVault> {
  const identity = await parseIdentity(await session.identity());
  return openTeamVault(readFileSync(app.file, 'utf8'), identity, { file: app.file, app: app.app, trust });
}
