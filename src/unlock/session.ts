// Opening the vault for a command: through the agent (started on demand), or in this
// process with KAMAL_SECRET_NO_AGENT=1. Commands get a VaultSession and never care which.
//
// The unlock policy, the same for every command and both ways:
//   1. the OS keychain (an agent tries it with this command's D-Bus variables, so an
//      agent started without a Secret Service can still use the caller's; after an
//      explicit `lock`, only `unlock` goes back to the keychain);
//   2. the passphrase: KAMAL_SECRET_PASSPHRASE, else the terminal (three tries);
//   3. else exit 3, naming the command that fixes it.
//
// Keys: whoever opens a session owns its key and zeroes it on close (a LocalSession);
// an AgentSession holds none.

import type { AgentSession } from '../agent/agent-session.js';
import { ensureAgent } from '../agent/launcher.js';
import type { Config } from '../config.js';
import { keychainEnvOf, type Status } from '../light/protocol.js';
import { warn } from '../term/output.js';
import type { Header } from '../vault/format.js';
import { LocalSession, type VaultSession } from '../vault/session.js';
import { readVaultFile } from '../vault/store.js';
import { keychainGet } from './keychain.js';
import { keyFromPassphrase, withPassphrase } from './passphrase.js';

export async function openSession(config: Config, env: NodeJS.ProcessEnv): Promise<VaultSession> {
  const header = readVaultFile(config.vaultPath).header; // exists, permissions, format: before any agent is started
  if (!config.useAgent) return new LocalSession(config.vaultPath, await unlockInProcess(config, header), warn);
  const session = await connectAgent(config, env);
  await unlockAgent(session, config, env);
  return session;
}

/** The agent for the configured vault, started when none answers (saying so when its socket had to move). */
export async function connectAgent(config: Config, env: NodeJS.ProcessEnv): Promise<AgentSession> {
  const { session, started } = await ensureAgent(config, env);
  session.warn = warn;
  if (started && config.agentSocketNote) warn(config.agentSocketNote);
  return session;
}

export async function withSession<T>(
  config: Config,
  env: NodeJS.ProcessEnv,
  fn: (s: VaultSession) => Promise<T>,
): Promise<T> {
  const session = await openSession(config, env);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** The vault key in this process; the session it is given to owns it. */
async function unlockInProcess(config: Config, header: Header): Promise<Uint8Array> {
  const fromKeychain = await keychainGet(header.vault_id, config);
  if (fromKeychain.ok && fromKeychain.key) return fromKeychain.key;
  return withPassphrase(config, (passphrase) => keyFromPassphrase(config.vaultPath, header, passphrase));
}

/**
 * Make sure the agent holds the key, by the policy above. `force` (the unlock command)
 * also goes back to the keychain after an explicit `lock`, and retries it for an agent
 * unlocked with the passphrase because it could not reach the keychain.
 */
export async function unlockAgent(
  session: AgentSession,
  config: Config,
  env: NodeJS.ProcessEnv,
  { force = false } = {},
): Promise<Status> {
  const status = await session.status();
  if (!status.locked && !force) return status;
  const afterKeychain = await session.call({ op: 'unlock-keychain', env: keychainEnvOf(env), force });
  if (!afterKeychain.locked) return afterKeychain;
  return withPassphrase(config, (passphrase) => session.call({ op: 'unlock', passphrase }));
}
