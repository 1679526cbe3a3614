// passwd: after it, no file on disk opens with the old passphrase; and with the key in
// the agent's hands, it never asks for the current one.
import fs from 'node:fs';
import path from 'node:path';
import { Entry } from '@napi-rs/keyring';
import { afterEach, describe, expect, it } from 'vitest';
import { DecryptError, openVault, unwrapKey } from '../../src/vault/crypto.js';
import { parse, type VaultFile } from '../../src/vault/format.js';
import { PASSPHRASE, ROOT, Sandbox } from '../helpers/cli.js';
import { haveScript, runInTerminal } from '../helpers/terminal.js';

const NEW_PASSPHRASE = 'a brand new passphrase';
const DEAD_PID = 2 ** 22 + 17; // above Linux's highest possible pid_max: never a live process

let box: Sandbox;
afterEach(() => box.cleanup());

/** Every file in `dir` that is a vault, by name. */
function vaultsIn(dir: string): Map<string, VaultFile> {
  const found = new Map<string, VaultFile>();
  for (const name of fs.readdirSync(dir)) {
    try {
      found.set(name, parse(fs.readFileSync(path.join(dir, name), 'utf8')));
    } catch {
      // not a vault (the lock, the write count record, the agent's log)
    }
  }
  return found;
}

async function secretA(file: VaultFile, passphrase: string): Promise<string | undefined> {
  return (await openVault(file, await unwrapKey(file.header, passphrase))).secrets.A?.value;
}

for (const [mode, env] of [
  ['in-process', {}],
  ['through the agent', { KAMAL_SECRET_NO_AGENT: undefined }],
] as const) {
  describe(`passwd, ${mode}`, () => {
    it('leaves no file that opens with the old passphrase; the backup keeps the previous version', async () => {
      box = new Sandbox(env);
      await box.init();
      await box.set('A', 'first-value');
      await box.set('A', 'second-value');
      // A writer killed before its rename left a copy of the vault behind.
      fs.copyFileSync(box.vault, box.path(`data/.vault.json.${DEAD_PID}.0123456789ab.tmp`));

      const r = await box.run(['passwd'], { env: { KAMAL_SECRET_NEW_PASSPHRASE: NEW_PASSPHRASE } });
      expect(r).toMatchObject({ code: 0, stdout: `changed the passphrase of ${box.vault}\n` });

      const vaults = vaultsIn(box.path('data'));
      expect([...vaults.keys()].sort()).toEqual(['vault.json', 'vault.json.bak']);
      for (const [name, file] of vaults) {
        await expect(unwrapKey(file.header, PASSPHRASE), name).rejects.toBeInstanceOf(DecryptError);
      }
      expect(await secretA(vaults.get('vault.json')!, NEW_PASSPHRASE)).toBe('second-value');
      expect(await secretA(vaults.get('vault.json.bak')!, NEW_PASSPHRASE)).toBe('second-value');
    });
  });
}

const haveKeychain = process.env.KAMAL_SECRET_TEST_KEYCHAIN === '1';
const missing = [
  !haveKeychain && 'no Secret Service (npm test starts one when dbus and gnome-keyring are installed)',
  !haveScript && 'no script(1) for a terminal',
].filter(Boolean);

describe(`passwd with the key in the agent${missing.length ? ` (skipped: ${missing.join(', ')})` : ''}`, () => {
  it.skipIf(missing.length > 0)(
    'asks only for the new passphrase, also once the agent has locked itself after its idle time',
    async () => {
      box = new Sandbox({
        KAMAL_SECRET_NO_KEYCHAIN: undefined,
        KAMAL_SECRET_NO_AGENT: undefined,
        KAMAL_SECRET_NO_TTY: undefined,
        KAMAL_SECRET_AGENT_TTL: '1s',
      });
      try {
        expect((await box.run(['init'])).stdout).toContain('stored the vault key in the OS keychain');
        Object.assign(box.env, { KAMAL_SECRET_PASSPHRASE: undefined });
        await box.set('A', 'keychain-value');
        // The agent unlocked from the keychain; wait until its idle time has locked it.
        let status: { locked: boolean } = { locked: false };
        while (!status.locked) status = JSON.parse((await box.run(['agent', 'status', '--json'])).stdout);

        const answer: [RegExp, string] = [/New recovery passphrase.*:/, NEW_PASSPHRASE];
        const again: [RegExp, string] = [/again.*:/, NEW_PASSPHRASE];
        const { code, screen } = await runInTerminal(
          `"${process.execPath}" bin/kamal-secret.js passwd`,
          box.env,
          [answer, again],
          ROOT,
        );
        expect(screen).not.toMatch(/Passphrase for/);
        expect({ code, screen: screen.slice(-200) }).toMatchObject({ code: 0 });
        const withNew = {
          KAMAL_SECRET_NO_AGENT: '1',
          KAMAL_SECRET_NO_KEYCHAIN: '1',
          KAMAL_SECRET_PASSPHRASE: NEW_PASSPHRASE,
        };
        expect((await box.run(['get', 'A'], { env: withNew })).stdout).toBe('keychain-value\n');
      } finally {
        const id = JSON.parse(fs.readFileSync(box.vault, 'utf8')).header.vault_id as string;
        new Entry('kamal-secret', id, { linux: { store: 'secret-service' } }).deletePassword();
      }
    },
  );
});
