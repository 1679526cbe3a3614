// Differential testing: generated secrets files (test/kamal/secrets-generator.ts),
// each evaluated by real Kamal and dotenv (test/kamal/kamal-driver.rb, loaded once per
// dotenv version) and by check's model, compared name by name and value by value.
// KAMAL_SECRET_DIFF_FILES sets the number of files per version (default 1000),
// KAMAL_SECRET_DIFF_SEED the seed (a number, or "random"). Every disagreement is
// printed; each one found so far is now a case in fixtures/secrets-cases.txt or in
// the model's table (dotenv-model.test.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandOutcome, DotenvVersion } from '../../src/kamal/dotenv-model.js';
import { KamalDriver, realKamalAvailable, realKamalSkipReason } from '../helpers/real-kamal.js';
import { agree, modelReply, writeApp } from './kamal-compare.js';
import { GENERATED_APP_FILES, GENERATED_ENV, type GeneratedFile, generateFile } from './secrets-generator.js';

const FILES = Number(process.env.KAMAL_SECRET_DIFF_FILES ?? 1000);
const SEED =
  process.env.KAMAL_SECRET_DIFF_SEED === 'random'
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.KAMAL_SECRET_DIFF_SEED ?? 20251201);
/** Apps evaluated at once: the model works while Ruby does. */
const POOL = 8;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-differential-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function writeFiles(dir: string, file: GeneratedFile): void {
  fs.mkdirSync(path.join(dir, '.kamal'), { recursive: true });
  for (const name of ['secrets', 'secrets-common', 'secrets.staging'])
    fs.rmSync(path.join(dir, '.kamal', name), { force: true });
  const main = file.destination ? `secrets.${file.destination}` : 'secrets';
  fs.writeFileSync(path.join(dir, '.kamal', main), file.text);
  if (file.common !== undefined) fs.writeFileSync(path.join(dir, '.kamal', 'secrets-common'), file.common);
}

const show = (file: GeneratedFile) =>
  [
    file.common !== undefined && `  secrets-common: ${JSON.stringify(file.common)}`,
    `  ${file.destination ? `secrets.${file.destination}` : 'secrets'}: ${JSON.stringify(file.text)}`,
    Object.keys(file.env).length && `  env: ${JSON.stringify(file.env)}`,
  ]
    .filter(Boolean)
    .join('\n');

describe(`differential: check's model against real Kamal, ${FILES} generated files per dotenv version (seed ${SEED})${realKamalSkipReason}`, () => {
  for (const version of ['3.1', '3.2'] as DotenvVersion[]) {
    it.concurrent.skipIf(!realKamalAvailable)(
      `dotenv ${version}: every value agrees`,
      async () => {
        const driver = new KamalDriver(version);
        const cache = new Map<string, CommandOutcome>();
        const apps = Array.from({ length: POOL }, (_, i) => path.join(root, version, String(i)));
        for (const app of apps)
          writeApp(app, { 'config/deploy.staging.yml': 'servers: [127.0.0.2]\n', ...GENERATED_APP_FILES });
        const baseEnv = {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: '/home/gen',
          LANG: 'C.UTF-8',
          ...GENERATED_ENV,
        };
        const disagreements: string[] = [];
        try {
          expect(await driver.version()).toBe(version === '3.1' ? '3.1.8' : '3.2.0');
          for (let start = 0; start < FILES; start += POOL) {
            const batch = apps.slice(0, Math.min(POOL, FILES - start)).map((app, i) => {
              const file = generateFile(SEED, start + i);
              writeFiles(app, file);
              const env = { ...baseEnv, ...file.env };
              return { app, file, env, real: driver.evaluate({ app, destination: file.destination ?? null, env }) };
            });
            for (const { app, file, env, real } of batch) {
              const model = modelReply(app, file.destination, version, env, cache);
              const answer = await real;
              if (!agree(model, answer))
                disagreements.push(
                  `${show(file)}\n  real:  ${JSON.stringify(answer)}\n  model: ${JSON.stringify(model)}`,
                );
            }
          }
        } finally {
          driver.close();
        }
        console.log(
          `differential, dotenv ${version}: ${FILES} files (seed ${SEED}), ${disagreements.length} disagreements${disagreements.length ? `\n${disagreements.join('\n\n')}` : ''}`,
        );
        expect(disagreements.length).toBe(0);
      },
      900_000,
    );
  }
});
