// Prompts on a real terminal: hidden, on /dev/tty, and never on the captured stdout.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, PASSPHRASE, Sandbox } from '../helpers/cli.js';
import { haveScript, runInTerminal } from '../helpers/terminal.js';

const ks = `"${process.execPath}" "${BIN}"`;
let box: Sandbox;
let env: Record<string, string | undefined>;
beforeEach(() => {
  box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
  env = { ...box.env, KAMAL_SECRET_PASSPHRASE: undefined, KAMAL_SECRET_NO_TTY: undefined };
});
afterEach(() => box.cleanup());

describe(`on a terminal${haveScript ? '' : ' (skipped: needs script from util-linux)'}`, () => {
  it.skipIf(!haveScript)('init asks for the passphrase twice, hidden, and refuses two that differ', async () => {
    const differ = await runInTerminal(`${ks} init --no-keychain`, env, [
      [/New recovery passphrase:/, 'first phrase one'],
      [/\(again\):/, 'second phrase two'],
    ]);
    expect(differ.code).toBe(1);
    expect(differ.screen).toContain('the two passphrases differ');
    const ok = await runInTerminal(`${ks} init --no-keychain`, env, [
      [/New recovery passphrase:/, PASSPHRASE],
      [/\(again\):/, PASSPHRASE],
    ]);
    expect(ok.code).toBe(0);
    expect(ok.screen).toContain('created the vault');
    expect(ok.screen).not.toContain(PASSPHRASE);
  });

  it.skipIf(!haveScript)('set reads a value typed at a hidden prompt, never echoed', async () => {
    await box.init();
    const r = await runInTerminal(`${ks} set TYPED`, { ...env, KAMAL_SECRET_PASSPHRASE: PASSPHRASE }, [
      [/Value for TYPED:/, 'typed-secret-value'],
    ]);
    expect(r.code).toBe(0);
    expect(r.screen).not.toContain('typed-secret-value');
    expect((await box.run(['get', 'TYPED'])).stdout).toBe('typed-secret-value\n');
  });

  it.skipIf(!haveScript)('a locked agent asks once on the terminal while Kamal captures stdout', async () => {
    await box.init();
    await box.set('A', 'captured-value');
    await box.run(['lock']);
    const line = `sh -c 'X=$(${ks} get A); Y=$(${ks} get A); echo "captured=[$X] again=[$Y]"'`;
    // Only one answer is typed: a second prompt would hang the command until the helper kills it.
    const r = await runInTerminal(line, env, [[/Passphrase for .*vault\.json:/, PASSPHRASE]]);
    expect(r.code).toBe(0);
    expect(r.screen).toContain('captured=[captured-value] again=[captured-value]');
    expect(r.screen.split('captured=')[0]).not.toContain('captured-value');
  });

  it.skipIf(!haveScript)(
    'a wrong passphrase gets three tries on the terminal',
    async () => {
      await box.init();
      await box.set('A', 'third-time-lucky');
      await box.run(['lock']);
      const lucky = await runInTerminal(`${ks} get A`, env, [
        [/Passphrase for .*vault\.json:/, 'wrong one'],
        [/Wrong passphrase, try again \(2 of 3\):/, 'wrong two'],
        [/Wrong passphrase, try again \(3 of 3\):/, PASSPHRASE],
      ]);
      expect(lucky.code).toBe(0);
      expect(lucky.screen).toContain('third-time-lucky');
    },
    120_000,
  ); // three key derivations on a possibly loaded machine

  it.skipIf(!haveScript)(
    'three wrong passphrases on the terminal: one line, exit 1',
    async () => {
      await box.init();
      await box.set('A', 'never-shown');
      await box.run(['lock']);
      const out = await runInTerminal(`${ks} get A`, env, [
        [/Passphrase for .*vault\.json:/, 'wrong one'],
        [/\(2 of 3\):/, 'wrong two'],
        [/\(3 of 3\):/, 'wrong three'],
      ]);
      expect(out.code).toBe(1);
      expect(out.screen).toContain('(3 of 3)'); // asked three times before giving up
      expect(out.screen).toMatch(/kamal-secret: wrong passphrase for the vault/);
      expect(out.screen).not.toContain('never-shown');
    },
    120_000,
  );

  it.skipIf(!haveScript)('init asks again when the first passphrase is empty', async () => {
    const r = await runInTerminal(`${ks} init --no-keychain`, env, [
      [/New recovery passphrase:/, ''],
      [/it cannot be empty/, PASSPHRASE],
      [/\(again\):/, PASSPHRASE],
    ]);
    expect(r.code).toBe(0);
    expect(r.screen).toContain('created the vault');
  });

  it.skipIf(!haveScript)('Ctrl-C at a prompt ends the command with exit 130, changing nothing', async () => {
    const r = await runInTerminal(`${ks} init --no-keychain`, env, [[/New recovery passphrase:/, '\x03']]);
    expect(r.code).toBe(130);
    expect(r.screen).toContain('kamal-secret: cancelled');
    expect(fs.existsSync(box.vault)).toBe(false);
  });
});
