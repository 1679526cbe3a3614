import type { Command } from 'commander';
import { Argument, Option } from 'commander';
import { AgentSession } from '../agent/agent-session.js';
import { notAnswering, startDetached, stopAgent } from '../agent/launcher.js';
import { parseDuration, runAgent } from '../agent/main.js';
import { prepareSocketDir } from '../agent/paths.js';
import { probeAgent } from '../light/agent-client.js';
import { json, out, warn } from '../term/output.js';
import { connectAgent, unlockAgent } from '../unlock/session.js';
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
      const times = { ttl: opts.ttl, maxTtl: opts.maxTtl };
      parseDuration(times.ttl, '--ttl');
      parseDuration(times.maxTtl, '--max-ttl');
      const { agentSocket: sock, vaultPath: vault } = ctx.config;
      if (action === 'status') return printStatus(sock, Boolean(opts.json));
      if (action === 'stop') {
        const stopped = await tellRunningAgent(sock, 'stop');
        return out(stopped ? `the agent on ${sock} is stopped` : `no agent is running on ${sock}; nothing to stop`);
      }
      readVaultFile(vault);
      if (action === 'start') {
        prepareSocketDir(sock);
        const probe = await probeAgent(sock);
        if (probe.state === 'silent') throw notAnswering(sock, probe.why);
        if (probe.state === 'answering') return out(`the agent is already running on ${sock}`);
        await startDetached(ctx.config, ctx.env, times);
        if (ctx.config.agentSocketNote) warn(ctx.config.agentSocketNote);
        return out(`started the agent on ${sock}`);
      }
      await runAgent(ctx.config, times, ctx.env);
    });
  example(
    agent,
    'kamal-secret agent start\nkamal-secret agent status --json\nkamal-secret agent --ttl 15m   # in the foreground',
  );

  const lock = program
    .command('lock')
    .description('make the agent forget the vault key now')
    .action(async () => {
      const sock = ctx.config.agentSocket;
      out((await tellRunningAgent(sock, 'lock')) ? 'locked' : `no agent is running on ${sock}: nothing holds the key`);
    });
  example(lock, 'kamal-secret lock');

  const unlock = program
    .command('unlock')
    .description('unlock the agent: from the OS keychain, else with the passphrase (prompt or KAMAL_SECRET_PASSPHRASE)')
    .action(async () => {
      readVaultFile(ctx.config.vaultPath);
      const session = await connectAgent(ctx.config, ctx.env);
      const status = await unlockAgent(session, ctx.config, ctx.env, { force: true });
      out(`unlocked (via ${status.unlocked_via})`);
    });
  example(unlock, 'kamal-secret unlock');
}

/** Send `op` to the agent when one answers (true); with none running there is nothing to do (false). */
async function tellRunningAgent(sock: string, op: 'stop' | 'lock'): Promise<boolean> {
  const probe = await probeAgent(sock);
  if (probe.state === 'silent') throw notAnswering(sock, probe.why);
  if (probe.state === 'absent') return false;
  if (op === 'stop') await stopAgent(sock);
  else await new AgentSession(sock).call({ op });
  return true;
}

async function printStatus(sock: string, asJson: boolean): Promise<void> {
  const probe = await probeAgent(sock);
  if (probe.state === 'silent') throw notAnswering(sock, probe.why);
  const status = probe.state === 'answering' ? probe.status : null;
  const shape = {
    running: Boolean(status),
    pid: status?.pid ?? null,
    locked: status ? status.locked : true,
    socket: sock,
    unlocked_via: status?.unlocked_via ?? null,
    keychain: status?.keychain ?? null,
    version: status?.version ?? null,
  };
  if (asJson) return json(shape);
  if (!status) return out(`no agent is running (socket ${sock}); it starts on demand`);
  const state = status.locked ? 'locked' : `unlocked via ${status.unlocked_via}`;
  out(`agent ${status.pid} (kamal-secret ${status.version}) on ${sock}: ${state}; keychain: ${status.keychain.detail}`);
}
