// check answers `$(kamal-secret get …)` lines with get's own argument parser and scope
// resolver: every form of the command, run for real (the built CLI, and real Kamal
// running the lines when it is here), against check's model of it.
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeExecutor } from '../../src/kamal/check/executor.js';
import { deliver, kamalEnvironment } from '../../src/kamal/delivery.js';
import { readDeployConfig } from '../../src/kamal/deploy-config.js';
import type { CommandOutcome } from '../../src/kamal/dotenv-model.js';
import { BIN, cleanEnv, type RunResult, Sandbox } from '../helpers/cli.js';
import { deployYml } from '../helpers/deploy-yml.js';
import { KamalDriver, realKamalAvailable, realKamalSkipReason } from '../helpers/real-kamal.js';

const DEPLOY = deployYml(['RAILS_MASTER_KEY'], 'builder:\n  arch: amd64\n');

let box: Sandbox;
let env: Record<string, string | undefined>;
beforeEach(async () => {
  box = new Sandbox();
  // `kamal-secret` on PATH, as for a user who installed it; an agent, as for a user who deploys.
  box.write({ 'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n` });
  fs.chmodSync(box.path('bin/kamal-secret'), 0o755);
  env = { PATH: `${box.path('bin')}:${process.env.PATH}`, KAMAL_SECRET_NO_AGENT: undefined };
  await box.init();
});
afterEach(() => box.cleanup());

describe("check's model of `kamal-secret get`", () => {
  const secrets: Record<string, string> = {
    X: 'x-global',
    'shop/X': 'x-shop',
    'shop/production/X': 'x-production',
    'other/X': 'x-other',
    'shop/staging/Y': 'y-staging',
  };
  const lookup = (name: string, chain: string[]) => {
    for (const scope of chain) {
      const ref = scope ? `${scope}/${name}` : name;
      if (secrets[ref] !== undefined) return { ref, value: secrets[ref] };
    }
    return null;
  };
  // Every option, its = and short forms, conflicts, two refs, none, unknown options, :NAME.
  const forms = [
    'X',
    'shop/X',
    'shop/production/X',
    ':X',
    'X --scope other',
    'X --scope=other',
    'X --scope shop -d production',
    'X -d production',
    'X --destination production',
    'X --destination=production',
    'X -dproduction',
    'X -g',
    'X --global',
    'X -g --scope shop',
    'X --scope shop/staging -d production',
    'X --scope shop/production -d production',
    'X -n',
    'X --json',
    'X -n --json',
    'X Y',
    '',
    'X --bogus',
    'NOPE',
    'NOPE --json',
    'X --bogus --json',
    'Y -d staging',
    'shop/staging/Y',
    'X --scope',
    'X -d',
    'X -d bad/dest',
    '1BAD',
    '-- X',
  ];
  const environments: Record<string, Record<string, string>> = {
    'no scope in the environment': {},
    KAMAL_SECRET_SCOPE: { KAMAL_SECRET_SCOPE: 'other' },
    KAMAL_DESTINATION: { KAMAL_DESTINATION: 'production' },
    'both, conflicting': { KAMAL_SECRET_SCOPE: 'shop/staging', KAMAL_DESTINATION: 'production' },
  };

  /** What Kamal deploys when a line runs the command: its output, or the error JSON; compared as such. */
  const delivered = (status: number | null, stdout: string) => ({
    status,
    stdout: status === 0 || !stdout.trim() ? stdout : JSON.parse(stdout).error.code,
  });

  // Under the other environments, the forms whose answer depends on them.
  const scopeForms = [
    'X',
    ':X',
    'X -d production',
    'X --scope other',
    'X -g',
    'X --scope shop/staging -d production',
    'NOPE --json',
    'Y',
    '-- X',
    'shop/X',
  ];

  it('answers every get form as the real CLI does, in the app, under each environment', {
    timeout: 900_000,
  }, async () => {
    for (const [ref, value] of Object.entries(secrets)) await box.set(ref, value);
    box.write({ 'app/config/deploy.yml': DEPLOY });
    const app = box.path('app');
    const differences: string[] = [];
    for (const [label, extra] of Object.entries(environments)) {
      for (const form of Object.keys(extra).length ? scopeForms : forms) {
        const real: RunResult = await box.run(['get', ...form.split(' ').filter(Boolean)], {
          cwd: app,
          env: { ...env, ...extra },
        });
        const outcome: CommandOutcome = makeExecutor({
          cwd: app,
          env: cleanEnv({ ...box.env, ...env, ...extra }),
          exec: false,
          lookup,
        })(`kamal-secret get ${form}`);
        const model = outcome.kind === 'ran' ? delivered(outcome.status, outcome.stdout) : outcome.kind;
        const cli = delivered(real.code, real.stdout);
        if (JSON.stringify(model) !== JSON.stringify(cli))
          differences.push(`get ${form} (${label}): CLI ${JSON.stringify(cli)}, model ${JSON.stringify(model)}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it.skipIf(!realKamalAvailable)(
    `gives the values real Kamal deploys for $(kamal-secret get …) lines, quoted words included${realKamalSkipReason}`,
    { timeout: 900_000 },
    async () => {
      for (const [ref, value] of Object.entries(secrets)) await box.set(ref, value);
      const lines = [
        ...forms.filter((f) => !f.includes('--json')).map((f) => `$(kamal-secret get ${f})`),
        `$(kamal-secret get 'X' --scope "other")`,
        '$(KAMAL_SECRET_SCOPE=other kamal-secret get X)',
        '$(kamal-secret get X -g)',
      ];
      box.write({
        'app/config/deploy.yml': DEPLOY,
        'app/.kamal/secrets': lines.map((line, i) => `F${i}=${line}\n`).join(''),
      });
      const app = box.path('app');
      const driver = new KamalDriver('3.2');
      try {
        // the plain case and the one where every default is at work (the CLI test above covers each alone)
        for (const extra of [environments['no scope in the environment'], environments['both, conflicting']]) {
          const kamalEnv = cleanEnv({ ...box.env, ...env, ...extra });
          const real = await driver.evaluate({ app, env: kamalEnv as Record<string, string> });
          const delivery = deliver(
            readDeployConfig(app),
            undefined,
            '3.2',
            kamalEnvironment(kamalEnv, undefined),
            makeExecutor({ cwd: app, env: kamalEnvironment(kamalEnv, undefined), exec: false, lookup }),
          );
          const model = Object.fromEntries([...delivery.values].map(([k, e]) => [k, e.value]));
          expect(real, JSON.stringify(extra)).toEqual({ secrets: model });
        }
      } finally {
        driver.close();
      }
    },
  );
});
