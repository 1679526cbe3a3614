// Running the agent in the foreground. The launcher comes here directly for a bare
// `kamal-secret agent` (how clients start it), skipping commander and the commands.

import { type Config, readConfig } from '../config.js';
import { UsageError, UserError } from '../errors.js';
import { readVaultFile } from '../vault/store.js';
import { refuseCoreDumps } from './hygiene.js';
import { lockHolder } from './instance-lock.js';
import { Agent } from './server.js';

export interface AgentTimes {
  ttl: string;
  maxTtl: string;
}

/** What an agent that finds another one holding its socket exits with (0: the job is done). */
export const ALREADY_RUNNING_EXIT = 0;

export async function runAgent(config: Config, times: AgentTimes, env: NodeJS.ProcessEnv): Promise<void> {
  const { vaultPath: vault, agentSocket: sock } = config;
  const ttlMs = parseDuration(times.ttl, '--ttl');
  const maxTtlMs = parseDuration(times.maxTtl, '--max-ttl');
  refuseCoreDumps();
  readVaultFile(vault);
  process.chdir('/');
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const agent = new Agent({
    vaultPath: vault,
    socket: sock,
    keychain: config,
    env,
    ttlMs,
    maxTtlMs,
    log,
    onStop: () => process.exit(0),
  });
  if (!(await agent.start())) {
    const pid = lockHolder(sock);
    log(`an agent is already running on ${sock}${pid ? ` (pid ${pid})` : ''}`);
    process.exitCode = ALREADY_RUNNING_EXIT;
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => agent.stop());
  await new Promise(() => undefined); // serve until stopped: stop() exits the process
}

/** Entry from the launcher: user errors as one line, like the full CLI. */
export async function agentMain(): Promise<void> {
  try {
    const config = readConfig(process.env);
    await runAgent(config, { ttl: config.agentTtl, maxTtl: config.agentMaxTtl }, process.env);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    process.stderr.write(`kamal-secret: ${err.line}\n`);
    process.exitCode = err.exitCode;
  }
}

/** A duration such as 90s, 30m or 1h (a bare number is seconds), in ms; more than zero. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  const unit = m && { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
  const ms = m && unit ? Number(m[1]) * unit : 0;
  if (!(ms >= 1))
    throw new UsageError(`${flag} takes a duration of at least 1ms, such as 90s, 30m or 1h, not "${text}"`);
  return ms;
}
