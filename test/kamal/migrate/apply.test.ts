// Carrying out a plan, in process on a real vault: an interrupt anywhere before success
// puts the files and the vault back as they were, and exits 130.
import fs from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readConfig } from '../../../src/config.js';
import { EXIT } from '../../../src/errors.js';
import { applyMigration } from '../../../src/kamal/migrate/apply.js';
import { planMigration } from '../../../src/kamal/migrate/plan.js';
import { withSession } from '../../../src/unlock/session.js';
import { cleanEnv, Sandbox } from '../../helpers/cli.js';

let box: Sandbox;
beforeEach(async () => {
  box = new Sandbox();
  await box.init();
  await box.set('shop/KEEP', 'kept-old-value');
  box.write({
    'app/config/deploy.yml': 'service: shop\nimage: example/shop\nservers: [192.0.2.10]\n',
    'app/.kamal/secrets': 'KEEP=kept-new-value\nADDED=added-value\n',
  });
});
afterEach(() => box.cleanup());

it('an interrupt undoes the vault writes and the rewrite', async () => {
  const env = cleanEnv(box.env);
  const interrupt = new AbortController();
  const warnings: string[] = [];
  await withSession(readConfig(env), env, async (session) => {
    const plan = await planMigration({
      root: box.path('app'),
      destinations: [],
      env,
      scopeFor: (d) => (d ? `shop/${d}` : 'shop'),
      session,
      warn: (w) => warnings.push(w),
    });
    expect(plan.writes.map((w) => w.ref)).toEqual(['shop/ADDED', 'shop/KEEP']);
    interrupt.abort(); // as the SIGINT handler does, once the vault has been written
    await expect(
      applyMigration(plan, {
        session,
        env,
        yes: true,
        self: [],
        signal: interrupt.signal,
        warn: (w) => warnings.push(w),
      }),
    ).rejects.toMatchObject({
      exitCode: EXIT.interrupted,
      message: 'interrupted; the files and the vault are as they were',
    });
    expect(Object.fromEntries([...(await session.visible(['shop']))].map(([n, f]) => [n, f.value]))).toEqual({
      KEEP: 'kept-old-value',
    });
  });
  expect(warnings).toEqual([]);
  expect(fs.readdirSync(box.path('app/.kamal'))).toEqual(['secrets']);
  expect(fs.readFileSync(box.path('app/.kamal/secrets'), 'utf8')).toBe('KEEP=kept-new-value\nADDED=added-value\n');
});
