import type { Command } from 'commander';
import { Argument, Option } from 'commander';
import { AgentSession } from '../agent/agent-session.js';
import { ensureAgent, startDetached } from '../agent/launcher.js';
import { parseDuration, runAgent } from '../agent/main.js';
import { prepareSocketDir } from '../agent/paths.js';
import { agentStatus, ping } from '../light/agent-client.js';
import { json, out } from '../term/output.js';
import { unlockAgent } from '../unlock/session.js';
import { readVaultFile } from '../vault/store.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const agent = program
    .command('agent')
    .description('run the agent that holds the unlocked vault key (foreground), or start|stop|status it')
    .addArgument(new Argument('[action]', 'start, stop or status').choices(['start', 'stop', 'status']))
    .addOption(
      new Option('--ttl <duration>', 'lock after this long unused (e.g. 90s, 30m, 1h)').default(ctx.config.agentTtl),
    )
    .addOption(
      new Option('--max-ttl <duration>', 'lock this long after unlocking, used or not').default(ctx.config.agentMaxTtl),
    )
    .option('--json', 'status as JSON')
    .action(async (action: string | undefined, opts: { ttl: string; maxTtl: string; json?: boolean }) => {
      parseDuration(opts.ttl, '--ttl');
      parseDuration(opts.maxTtl, '--max-ttl');
      const { agentSocket: sock, vaultPath: vault } = ctx.config;
      if (action === 'status') return printStatus(sock, Boolean(opts.json));
      if (action === 'stop') {
        const stopped = await tellRunningAgent(sock, 'stop');
        return out(stopped ? `the agent on ${sock} is stopped` : `no agent is running on ${sock}; nothing to stop`);
      }
      readVaultFile(vault);
      if (action === 'start') {
        prepareSocketDir(sock);
        if (await ping(sock)) return out(`the agent is already running on ${sock}`);
        await startDetached(ctx.config, ctx.env, { ttl: opts.ttl, maxTtl: opts.maxTtl });
        return out(`started the agent on ${sock}`);
      }
      await runAgent(ctx.config, { ttl: opts.ttl, maxTtl: opts.maxTtl });
    });
  example(
    agent,
    'kamal-secret agent start\nkamal-secret agent status --json\nkamal-secret agent --ttl 15m   # in the foreground',
  );

  const lock = program
    .command('lock')
    .description('make the agent forget the vault key now')
    .action(async () => {
      await tellRunningAgent(ctx.config.agentSocket, 'lock');
      out('locked');
    });
  example(lock, 'kamal-secret lock');

  const unlock = program
    .command('unlock')
    .description('unlock the agent: from the OS keychain, else with the passphrase (prompt or KAMAL_SECRET_PASSPHRASE)')
    .action(async () => {
      readVaultFile(ctx.config.vaultPath);
      const session = await ensureAgent(ctx.config, ctx.env);
      await unlockAgent(session, ctx.config, { retryKeychain: true });
      out(`unlocked (via ${(await session.status()).unlocked_via})`);
    });
  example(unlock, 'kamal-secret unlock');
}

/** Send `op` to the agent when one answers (true); with none running there is nothing to do (false). */
async function tellRunningAgent(sock: string, op: 'stop' | 'lock'): Promise<boolean> {
  if (!(await ping(sock))) return false;
  await new AgentSession(sock).call({ op });
  return true;
}

async function printStatus(sock: string, asJson: boolean): Promise<void> {
  const status = await agentStatus(sock);
  const shape = {
    running: Boolean(status),
    pid: status?.pid ?? null,
    locked: status ? status.locked : true,
    socket: sock,
    unlocked_via: status?.unlocked_via ?? null,
    version: status?.version ?? null,
  };
  if (asJson) return json(shape);
  if (!status) return out(`no agent is running (socket ${sock}); it starts on demand`);
  out(
    `agent ${status.pid} (kamal-secret ${status.version ?? 'older than 0.1.0'}) on ${sock}: ${status.locked ? 'locked' : `unlocked via ${status.unlocked_via}`}`,
  );
}
