// One interface over "the unlocked vault", whoever holds the key: this process
// (LocalSession) or the agent (agent/client.ts). Commands only talk to this.

import { newHeader } from './crypto.js';
import type { Header, Payload } from './format.js';
import {
  applyMutation,
  asText,
  type Found,
  type FoundValue,
  type Listed,
  list,
  lookupValue,
  type Mutation,
  type MutationResult,
  visible,
} from './secrets.js';
import { decryptPayload, readVaultFile, updateVault, type Warn } from './store.js';

export interface VaultSession {
  /** The secret as stored, text or bytes (what `get` prints). */
  lookupValue(name: string, chain: string[]): Promise<FoundValue | null>;
  /** The secret as text; a binary one is an error naming it. */
  lookup(name: string, chain: string[]): Promise<Found | null>;
  visible(chain: string[]): Promise<Map<string, Found>>;
  list(): Promise<Listed[]>;
  mutate(m: Mutation): Promise<MutationResult>;
  /** Rewrap the vault key under a new passphrase; no secret is re-encrypted. */
  rewrap(newPassphrase: string): Promise<void>;
  close(): void;
}

export class LocalSession implements VaultSession {
  private payload?: Payload;

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

  async lookupValue(name: string, chain: string[]) {
    return lookupValue(await this.read(), name, chain);
  }

  async lookup(name: string, chain: string[]) {
    const found = await this.lookupValue(name, chain);
    return found && asText(found);
  }

  async visible(chain: string[]) {
    return visible(await this.read(), chain);
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

  close() {
    this.key.fill(0);
  }
}
