// The team vault's public surface (docs/team-vault.md), for the commands and the agent.
// The caller does the I/O: read .kamal/secrets.vault, keep each returned `memory` in
// the personal vault (per team), write serializeTeamVault()'s text atomically.

export { GITATTRIBUTES_LINE, TEAM_VAULT_PATH } from './format.js';
export { generateIdentity, type Identity, parseIdentity, requireRecipient } from './identity.js';
export {
  type AddOptions,
  addMember,
  type CreateOptions,
  createTeam,
  joinCode,
  lookupTeamSecret,
  openTeamVault,
  readableTeamSecrets,
  removeMember,
  removeTeamSecret,
  serializeTeamVault,
  setTeamSecret,
  type TeamLookup,
  type TeamMember,
  type TeamSecretInfo,
  type TeamVault,
} from './team-vault.js';
export type { OpenOptions, TeamMemory, TeamTrust } from './verify.js';
