import type { Command } from 'commander';
import type { Config } from '../config.js';
import { UserError } from '../errors.js';
import { agentStatus } from '../light/agent-client.js';
import { out } from '../term/output.js';
import { keychainGet } from '../unlock/keychain.js';
import { readVaultFile } from '../vault/store.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

interface Check {
  what: string;
  where: string;
  ok: boolean;
  detail: string;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('doctor')
    .description('where the vault, the agent socket and the keychain are, and whether each works')
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      const checks = await runChecks(ctx.config);
      if (opts.json) out(JSON.stringify(checks, null, 2));
      else for (const c of checks) out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.what.padEnd(8)} ${c.where}\n      ${c.detail}`);
      if (!checks.every((c) => c.ok || c.what === 'keychain')) process.exitCode = 1;
    });
  example(cmd, 'kamal-secret doctor');
}

async function runChecks(config: Config): Promise<Check[]> {
  const { vaultPath: vault, agentSocket: sock } = config;
  const checks: Check[] = [];
  let vaultId: string | null = null;
  try {
    vaultId = readVaultFile(vault).header.vault_id;
    checks.push({ what: 'vault', where: vault, ok: true, detail: `vault ${vaultId}, permissions and header in order` });
  } catch (err) {
    checks.push({
      what: 'vault',
      where: vault,
      ok: false,
      detail: err instanceof UserError ? err.message : String(err),
    });
  }
  const s = await agentStatus(sock);
  if (s) {
    checks.push({
      what: 'agent',
      where: sock,
      ok: true,
      detail: `pid ${s.pid}, ${s.locked ? 'locked' : `unlocked via ${s.unlocked_via}`}`,
    });
  } else {
    checks.push({
      what: 'agent',
      where: sock,
      ok: true,
      detail: 'not running; it starts when a command needs the key',
    });
  }
  const where =
    process.platform === 'linux'
      ? 'Secret Service (D-Bus)'
      : process.platform === 'darwin'
        ? 'macOS Keychain'
        : 'OS credential store';
  if (!vaultId) {
    checks.push({ what: 'keychain', where, ok: false, detail: 'not checked: no readable vault' });
  } else {
    const r = await keychainGet(vaultId, config);
    const detail = r.ok
      ? "holds this vault's key: unlocking needs no passphrase"
      : r.absent
        ? 'usable, but holds no key for this vault (init --no-keychain, or another machine)'
        : `not usable: ${r.reason}; the passphrase unlocks the vault`;
    checks.push({ what: 'keychain', where, ok: r.ok, detail });
  }
  return checks;
}
