// Questions before what cannot be undone, on a real terminal (util-linux `script`), and
// none without one: scripts and CI cannot answer.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, Sandbox } from '../helpers/cli.js';
import { haveScript, runInTerminal } from '../helpers/terminal.js';

const ks = `"${process.execPath}" "${BIN}"`;
let box: Sandbox;
let terminalEnv: Record<string, string | undefined>;
beforeEach(async () => {
  box = new Sandbox();
  await box.init();
  terminalEnv = { ...box.env, KAMAL_SECRET_NO_TTY: undefined };
});
afterEach(() => box.cleanup());

const exists = async (ref: string) => (await box.run(['get', ref])).code === 0;

describe(`rm on a terminal${haveScript ? '' : ' (skipped: needs script from util-linux)'}`, () => {
  it.skipIf(!haveScript)('asks first: n keeps the secret (exit 1), y removes it', async () => {
    await box.set('shop/OLD_TOKEN', 'old-token-value');
    const no = await runInTerminal(`${ks} rm shop/OLD_TOKEN`, terminalEnv, [
      [/Remove shop\/OLD_TOKEN\? \[y\/N\]/, 'n'],
    ]);
    expect(no.code).toBe(1);
    expect(no.screen).toContain('kamal-secret: shop/OLD_TOKEN was not removed');
    expect(await exists('shop/OLD_TOKEN')).toBe(true);
    const yes = await runInTerminal(`${ks} rm shop/OLD_TOKEN`, terminalEnv, [
      [/Remove shop\/OLD_TOKEN\? \[y\/N\]/, 'y'],
    ]);
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain('removed shop/OLD_TOKEN');
    expect(await exists('shop/OLD_TOKEN')).toBe(false);
  });

  it.skipIf(!haveScript)('--yes (and KAMAL_SECRET_NO_TTY=1) remove without asking', async () => {
    await box.set('A', 'value-of-a');
    await box.set('B', 'value-of-b');
    // Were it asked, the question would get "n" and the secret would stay.
    const refuse: [RegExp, string][] = [[/\[y\/N\]/, 'n']];
    const yes = await runInTerminal(`${ks} rm --yes A`, terminalEnv, refuse);
    expect({ code: yes.code, asked: yes.screen.includes('[y/N]') }).toEqual({ code: 0, asked: false });
    const noTty = await runInTerminal(`${ks} rm B`, { ...terminalEnv, KAMAL_SECRET_NO_TTY: '1' }, refuse);
    expect({ code: noTty.code, asked: noTty.screen.includes('[y/N]') }).toEqual({ code: 0, asked: false });
    expect([await exists('A'), await exists('B')]).toEqual([false, false]);
  });
});

describe(`import on a terminal${haveScript ? '' : ' (skipped: needs script from util-linux)'}`, () => {
  it.skipIf(!haveScript)('offers to delete the imported file: n keeps it and says so, y deletes it', async () => {
    box.write({ '.env': 'A=value-of-a\n' });
    const question = /Delete \.env\? Every secret in it is in the vault now \[y\/N\]/;
    const no = await runInTerminal(`${ks} import .env`, terminalEnv, [[question, 'n']], box.dir);
    expect(no.code).toBe(0);
    expect(no.screen).toContain('.env still holds these secrets in plaintext; delete it: rm .env');
    expect(fs.existsSync(box.path('.env'))).toBe(true);
    const yes = await runInTerminal(`${ks} import .env`, terminalEnv, [[question, 'y']], box.dir);
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain('deleted .env');
    expect(fs.existsSync(box.path('.env'))).toBe(false);
    expect((await box.run(['get', 'A'])).stdout).toBe('value-of-a\n');
  });
});

describe('rm without a terminal', () => {
  it('removes without asking, as pass rm does in a script', async () => {
    await box.set('A', 'value-of-a');
    expect(await box.run(['rm', 'A'], { env: { KAMAL_SECRET_NO_TTY: undefined } })).toMatchObject({
      code: 0,
      stdout: 'removed A\n',
      stderr: '',
    });
  });
});
