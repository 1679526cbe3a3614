import type { Command } from 'commander';
import { notAnswering } from '../agent/launcher.js';
import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import { probeAgent } from '../light/agent-client.js';
import type { Status } from '../light/protocol.js';
import { out } from '../term/output.js';
import { type KeychainResult, keychainGet } from '../unlock/keychain.js';
import { readVaultFile } from '../vault/store.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

/** ok: works; fail: broken, and doctor exits 1; note: neither (off by choice, or not known yet). */
type Verdict = 'ok' | 'fail' | 'note';

interface Check {
  what: string;
  where: string;
  verdict: Verdict;
  /** false exactly when the verdict is fail */
  ok: boolean;
  detail: string;
}

const MARK: Record<Verdict, string> = { ok: 'ok  ', fail: 'FAIL', note: '--  ' };

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('doctor')
    .description('where the vault, the agent socket and the keychain are, and whether each works (exit 1 on a FAIL)')
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      const checks = await runChecks(ctx.config);
      if (opts.json) out(JSON.stringify(checks, null, 2));
      else for (const c of checks) out(`${MARK[c.verdict]}  ${c.what.padEnd(8)} ${c.where}\n      ${c.detail}`);
      if (checks.some((c) => c.verdict === 'fail')) process.exitCode = 1;
    });
  example(cmd, 'kamal-secret doctor');
}

const check = (what: string, where: string, verdict: Verdict, detail: string): Check => ({
  what,
  where,
  verdict,
  ok: verdict !== 'fail',
  detail,
});

async function runChecks(config: Config): Promise<Check[]> {
  const { vaultPath: vault, agentSocket: sock } = config;
  const checks: Check[] = [];
  let vaultId: string | null = null;
  try {
    vaultId = readVaultFile(vault).header.vault_id;
    checks.push(check('vault', vault, 'ok', `vault ${vaultId}, permissions and header in order`));
  } catch (err) {
    checks.push(check('vault', vault, 'fail', err instanceof UserError ? err.message : String(err)));
  }
  const moved = config.agentSocketNote ? ` (${config.agentSocketNote})` : '';
  const probe = await probeAgent(sock);
  const agent = probe.state === 'answering' ? probe.status : null;
  if (agent) {
    const state = agent.locked ? 'locked' : `unlocked via ${agent.unlocked_via}`;
    checks.push(check('agent', sock, 'ok', `pid ${agent.pid}, ${state}${moved}`));
  } else if (probe.state === 'silent') {
    checks.push(check('agent', sock, 'fail', notAnswering(sock, probe.why).line));
  } else {
    checks.push(check('agent', sock, 'ok', `not running; it starts when a command needs the key${moved}`));
  }
  if (!vaultId) {
    checks.push(check('keychain', keychainName(), 'fail', 'not checked: no readable vault'));
    return checks;
  }
  const here = await keychainGet(vaultId, config);
  checks.push(keychainHere(here));
  if (agent) checks.push(keychainOfAgent(agent, here));
  return checks;
}

function keychainName(): string {
  if (process.platform === 'linux') return 'Secret Service (D-Bus)';
  return process.platform === 'darwin' ? 'macOS Keychain' : 'OS credential store';
}

function keychainHere(r: KeychainResult): Check {
  const where = keychainName();
  if (r.ok) return check('keychain', where, 'ok', "holds this vault's key: unlocking needs no passphrase");
  if (r.off) return check('keychain', where, 'note', `off (${r.reason}): the passphrase unlocks the vault`);
  if (r.absent)
    return check(
      'keychain',
      where,
      'ok',
      'usable, but holds no key for this vault (init --no-keychain, or another machine)',
    );
  return check('keychain', where, 'fail', `not usable: ${r.reason}; the passphrase unlocks the vault`);
}

/** What the agent's own keychain attempts found, against what this session can reach. */
function keychainOfAgent(agent: Status, here: KeychainResult): Check {
  const where = `${keychainName()}, from the agent`;
  const { state, detail } = agent.keychain;
  const reachableHere = here.ok || (!here.ok && here.absent === true);
  switch (state) {
    case 'has-key':
      return check('keychain', where, 'ok', "the agent reaches it and it holds this vault's key");
    case 'no-key':
      return check('keychain', where, 'ok', `the agent reaches it: ${detail}`);
    case 'untried':
    case 'trying':
      return check('keychain', where, 'note', 'the agent is trying it now');
    case 'off':
      return check('keychain', where, 'note', `off in the agent (${detail})`);
    case 'unreachable':
      return reachableHere
        ? check(
            'keychain',
            where,
            'fail',
            `the agent (pid ${agent.pid}) cannot reach it (${detail}), though this session can: it was started without this session's Secret Service; fix: run kamal-secret unlock`,
          )
        : check('keychain', where, 'note', `the agent cannot reach it either (${detail})`);
  }
}
