// One interface over "the unlocked vault", whoever holds the key: this process
// (LocalSession) or the agent (agent/client.ts). Commands only talk to this.

import { table } from '../light/tables.js';
import type { TeamPlace } from '../light/team-place.js';
import { generateIdentity } from '../team/identity.js';
import { allLayered, lookupLayered, notJoined, TeamOpener, teamFor, visibleLayered } from '../team/layer.js';
import type { TeamMemory } from '../team/verify.js';
import { newHeader } from './crypto.js';
import type { Header, Payload } from './format.js';
import {
  type AllSecrets,
  applyMutation,
  asText,
  type Found,
  type FoundValue,
  type Listed,
  list,
  type Mutation,
  type MutationResult,
  teamMemory,
} from './secrets.js';
import { decryptPayload, readVaultFile, updateVault, type Warn } from './store.js';

export interface VaultSession {
  /**
   * The team vault of the app the command runs in, if any: lookups, visible and every
   * read below see its secrets before the personal vault's in the same scope (DESIGN §7).
   */
  team?: TeamPlace;
  /** The secret as stored, text or bytes (what `get` prints). */
  lookupValue(name: string, chain: string[]): Promise<FoundValue | null>;
  /** The secret as text; a binary one is an error naming it. */
  lookup(name: string, chain: string[]): Promise<Found | null>;
  visible(chain: string[]): Promise<Map<string, Found>>;
  /** The whole vault as text, the team's readable secrets in place of the personal vault's (check's one read). */
  all(): Promise<AllSecrets>;
  list(): Promise<Listed[]>;
  mutate(m: Mutation): Promise<MutationResult>;
  /** Rewrap the vault key under a new passphrase; no secret is re-encrypted. */
  rewrap(newPassphrase: string): Promise<void>;
  /** The owner's team identity (`AGE-SECRET-KEY-1…`), created and stored on first need. */
  identity(): Promise<string>;
  /** What the owner remembers of the team vault of `app` (docs/team-vault.md §7). */
  teamMemory(app: string): Promise<TeamMemory | null>;
  rememberTeam(app: string, memory: TeamMemory): Promise<void>;
  close(): void;
}

export class LocalSession implements VaultSession {
  team?: TeamPlace;
  private payload?: Payload;
  private readonly teams = new TeamOpener();

  /** `warn` hears when the vault went back in time (rollback.ts); the caller shows it. */
  constructor(
    readonly vaultPath: string,
    private readonly key: Uint8Array,
    private readonly warn: Warn = () => undefined,
  ) {}

  private async read(): Promise<Payload> {
    this.payload ??= await decryptPayload(this.vaultPath, readVaultFile(this.vaultPath), this.key, this.warn);
    return this.payload;
  }

  private async teamFor(payload: Payload, chain: string[] | null) {
    return teamFor(this.teams, payload, this.team, chain, (app, memory) => this.rememberTeam(app, memory));
  }

  async lookupValue(name: string, chain: string[]) {
    const payload = await this.read();
    const found = lookupLayered(payload, await this.teamFor(payload, chain), name, chain);
    const unjoined = found ? null : notJoined(this.team, payload, name, chain);
    if (unjoined) throw unjoined;
    return found;
  }

  async lookup(name: string, chain: string[]) {
    const found = await this.lookupValue(name, chain);
    return found && asText(found);
  }

  async visible(chain: string[]) {
    const payload = await this.read();
    return visibleLayered(payload, await this.teamFor(payload, chain), chain);
  }

  async all() {
    const payload = await this.read();
    return allLayered(payload, await this.teamFor(payload, null), this.team);
  }

  async list() {
    return list(await this.read());
  }

  async mutate(m: Mutation) {
    const result = await updateVault(
      this.vaultPath,
      this.key,
      (payload) => ({ payload, result: applyMutation(payload, m) }),
      this.warn,
    );
    this.payload = undefined;
    return result;
  }

  async rewrap(newPassphrase: string) {
    await updateVault(
      this.vaultPath,
      this.key,
      async (_payload, header: Header) => ({
        header: await newHeader(this.key, newPassphrase, header.vault_id, {
          opslimit: header.kdf.opslimit,
          memlimit: header.kdf.memlimit,
        }),
        result: undefined,
      }),
      this.warn,
    );
  }

  async identity() {
    const stored = (await this.read()).identity;
    if (stored !== undefined) return stored;
    const created = await updateVault(
      this.vaultPath,
      this.key,
      async (payload) => {
        if (payload.identity !== undefined) return { result: payload.identity };
        payload.identity = await generateIdentity();
        return { payload, result: payload.identity };
      },
      this.warn,
    );
    this.payload = undefined;
    return created;
  }

  async teamMemory(app: string) {
    return teamMemory(await this.read(), app) ?? null;
  }

  async rememberTeam(app: string, memory: TeamMemory) {
    await updateVault(
      this.vaultPath,
      this.key,
      (payload) => ({ payload: { ...payload, teams: table({ ...payload.teams, [app]: memory }) }, result: undefined }),
      this.warn,
    );
    this.payload = undefined;
  }

  close() {
    this.teams.forget();
    this.key.fill(0);
  }
}
