// The OS keychain, for real: a private D-Bus session with gnome-keyring (npm test sets
// it up and exports KAMAL_SECRET_TEST_KEYCHAIN=1), and failure modes that need none.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Entry } from '@napi-rs/keyring';
import { afterEach, describe, expect, it } from 'vitest';
import { agentStatus, agentsServing, statusWhen } from '../agent/helpers.js';
import { Sandbox } from '../helpers/cli.js';

const haveKeychain = process.env.KAMAL_SECRET_TEST_KEYCHAIN === '1';
const skipReason = 'skipped: no Secret Service here; npm test starts one when dbus and gnome-keyring are installed';
const vaultIdOf = (vault: string) => JSON.parse(fs.readFileSync(vault, 'utf8')).header.vault_id as string;
const entryFor = (id: string) => new Entry('kamal-secret', id, { linux: { store: 'secret-service' } });

let box: Sandbox | undefined;
afterEach(async () => {
  if (box && haveKeychain && fs.existsSync(box.vault)) entryFor(vaultIdOf(box.vault)).deletePassword();
  await box?.cleanup();
  box = undefined;
});

describe(`with a real Secret Service${haveKeychain ? '' : ` (${skipReason})`}`, () => {
  // A generous keychain timeout: on a loaded machine a real keyring can take seconds to answer.
  const withKeychain = {
    KAMAL_SECRET_NO_KEYCHAIN: undefined,
    KAMAL_SECRET_NO_AGENT: undefined,
    KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS: '20000',
  };

  it.skipIf(!haveKeychain)('init stores the vault key in the keychain and says so', async () => {
    box = new Sandbox(withKeychain);
    const r = await box.run(['init']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('stored the vault key in the OS keychain');
    const stored = entryFor(vaultIdOf(box.vault)).getPassword();
    expect(stored && Buffer.from(stored, 'base64')).toHaveLength(32);
  });

  it.skipIf(!haveKeychain)(
    'a fresh agent with no passphrase in its environment unlocks from the keychain',
    async () => {
      box = new Sandbox(withKeychain);
      expect((await box.run(['init'])).code).toBe(0);
      await box.run(['set', 'A'], { input: 'from-the-keychain' });
      await box.run(['agent', 'stop']);
      const noPass = { KAMAL_SECRET_PASSPHRASE: undefined };
      expect((await box.run(['get', 'A'], { env: noPass })).stdout).toBe('from-the-keychain\n');
      const status = JSON.parse((await box.run(['agent', 'status', '--json'], { env: noPass })).stdout);
      expect(status).toMatchObject({ running: true, locked: false, unlocked_via: 'keychain' });
      const doctor = await box.run(['doctor'], { env: noPass });
      expect(doctor.stdout).toMatch(/ok {4}keychain .*\n.*holds this vault's key/);
    },
  );

  it.skipIf(!haveKeychain)('without an agent, a command unlocks in-process from the keychain', async () => {
    box = new Sandbox(withKeychain);
    expect((await box.run(['init'])).code).toBe(0);
    await box.run(['set', 'A'], { input: 'in-process-value', env: { KAMAL_SECRET_NO_AGENT: '1' } });
    const r = await box.run(['get', 'A'], { env: { KAMAL_SECRET_NO_AGENT: '1', KAMAL_SECRET_PASSPHRASE: undefined } });
    expect(r.stdout).toBe('in-process-value\n');
  });

  it.skipIf(!haveKeychain)('after an explicit lock, unlock takes the key from the keychain again', async () => {
    box = new Sandbox(withKeychain);
    expect((await box.run(['init'])).code).toBe(0);
    await box.run(['set', 'A'], { input: 'value-a' });
    await box.run(['lock']);
    const noPass = { KAMAL_SECRET_PASSPHRASE: undefined };
    expect((await box.run(['get', 'A'], { env: noPass })).code).toBe(3);
    expect((await box.run(['unlock'], { env: noPass })).stdout).toBe('unlocked (via keychain)\n');
  });

  it.skipIf(!haveKeychain)(
    'after an idle lock, list, run and export re-unlock from the keychain, with no passphrase',
    async () => {
      box = new Sandbox(withKeychain);
      const b = box;
      expect((await b.run(['init'])).code).toBe(0);
      await b.run(['set', 'A'], { input: 'value-a' });
      await b.run(['agent', 'stop']);
      const noPass = { KAMAL_SECRET_PASSPHRASE: undefined };
      await b.run(['agent', 'start', '--ttl', '2s'], { env: noPass });
      const idleLocked = (s: { locked: boolean; keychain?: unknown }) =>
        s.locked && (s.keychain as { state: string }).state === 'has-key';
      for (const args of [['list'], ['run', '--', 'sh', '-c', 'test "$A" = value-a'], ['export', '--format', 'json']]) {
        await statusWhen(b, idleLocked);
        const r = await b.run(args, { env: noPass });
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      }
    },
    180_000, // three idle locks awaited, on a possibly loaded machine
  );

  it.skipIf(!haveKeychain)(
    "an agent started without a Secret Service: doctor fails and says why; unlock hands it this session's",
    async () => {
      box = new Sandbox(withKeychain);
      const b = box;
      expect((await b.run(['init'])).code).toBe(0);
      await b.run(['set', 'A'], { input: 'value-a' });
      await b.run(['agent', 'stop']);
      const noPass = { KAMAL_SECRET_PASSPHRASE: undefined };
      // started from SSH or cron: no D-Bus in its environment
      await b.run(['agent', 'start'], { env: { ...noPass, DBUS_SESSION_BUS_ADDRESS: undefined } });
      await statusWhen(b, (s) => (s.keychain as { state: string }).state === 'unreachable');
      const before = await b.run(['doctor'], { env: noPass });
      expect(before.code).toBe(1);
      expect(before.stdout).toMatch(
        /FAIL {2}keychain .*from the agent\n.*cannot reach it .*though this session can.*kamal-secret unlock/,
      );
      expect((await b.run(['unlock'], { env: noPass })).stdout).toBe('unlocked (via keychain)\n');
      const after = await b.run(['doctor'], { env: noPass });
      expect({ code: after.code, fails: after.stdout.match(/FAIL.*/g) }).toEqual({ code: 0, fails: null });
      expect((await b.run(['get', 'A'], { env: noPass })).stdout).toBe('value-a\n');
    },
  );
});

/** A D-Bus socket that accepts connections and never speaks; close() hangs up on every caller. */
function frozenBus(busPath: string) {
  const callers = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    callers.add(conn);
    conn.on('error', () => undefined);
  });
  server.listen(busPath);
  return {
    path: busPath,
    close() {
      for (const conn of callers) conn.destroy();
      server.close();
    },
  };
}

describe('when the keychain cannot help', () => {
  it('no Secret Service: init keeps the passphrase only and says why; unlock falls back cleanly', async () => {
    box = new Sandbox({
      KAMAL_SECRET_NO_KEYCHAIN: undefined,
      KAMAL_SECRET_NO_AGENT: undefined,
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
    });
    const r = await box.run(['init']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/protected by your passphrase only: no usable OS keychain/);
    await box.run(['set', 'A'], { input: 'value-a' });
    expect(JSON.parse((await box.run(['agent', 'status', '--json'])).stdout)).toMatchObject({
      locked: false,
      unlocked_via: 'passphrase',
    });
    const doctor = await box.run(['doctor']);
    expect(doctor.stdout).toMatch(/FAIL {2}keychain .*\n.*not usable/);
  });

  it('a keychain that never answers: status answers at once, and concurrent first commands start one agent', async () => {
    box = new Sandbox({
      KAMAL_SECRET_NO_KEYCHAIN: undefined,
      KAMAL_SECRET_NO_AGENT: undefined,
      KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS: '30000',
    });
    const b = box;
    const frozen = frozenBus(b.path('frozen-bus'));
    try {
      await b.init();
      await b.run(['set', 'A'], {
        input: 'value-a',
        env: { KAMAL_SECRET_NO_AGENT: '1', KAMAL_SECRET_NO_KEYCHAIN: '1' },
      });
      const env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${frozen.path}` };
      expect((await b.run(['agent', 'start'], { env })).code).toBe(0);
      expect(await agentStatus(b)).toMatchObject({ running: true, locked: true, keychain: { state: 'trying' } });
      await b.run(['agent', 'stop']);
      const short = { ...env, KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS: '3000' };
      const results = await Promise.all([1, 2, 3].map(() => b.run(['get', 'A'], { env: short })));
      expect(results.map((r) => [r.code, r.stdout])).toEqual([
        [0, 'value-a\n'],
        [0, 'value-a\n'],
        [0, 'value-a\n'],
      ]);
      expect(await agentsServing(b.env.KAMAL_SECRET_AGENT_SOCK as string)).toHaveLength(1);
    } finally {
      frozen.close();
    }
  }, 120_000); // keychain attempts cut off by their timeout, on a possibly loaded machine

  it('a keychain that never answers (a frozen bus) is cut off by the timeout', async () => {
    box = new Sandbox({
      KAMAL_SECRET_NO_KEYCHAIN: undefined,
      KAMAL_SECRET_NO_AGENT: undefined,
      KAMAL_SECRET_KEYCHAIN_TIMEOUT_MS: '1500',
    });
    const busPath = path.join(box.dir, 'frozen-bus');
    const frozen = net.createServer(() => undefined); // accepts, never speaks
    await new Promise<void>((resolve) => frozen.listen(busPath, resolve));
    try {
      // No hang: each keychain call is cut off (a command still waiting after 30 s is killed, and fails).
      const env = { DBUS_SESSION_BUS_ADDRESS: `unix:path=${busPath}` };
      const r = await box.run(['init'], { env, timeoutMs: 30_000 });
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/did not answer within 1500 ms/);
      expect((await box.run(['set', 'A'], { input: 'value-a', env, timeoutMs: 30_000 })).code).toBe(0);
      expect((await box.run(['get', 'A'], { env, timeoutMs: 30_000 })).stdout).toBe('value-a\n');
    } finally {
      frozen.close();
    }
  });
});
