// Verification, before a migration reports success: the new files, read the way Kamal
// reads them with the environment `kamal-secret run` gives Kamal (the vault's values for
// the deploy's scope), must deliver every name with the value expected, compared by
// SHA-256 so that no value is held in, or printed from, a difference. With a real Kamal,
// `kamal-secret run -- kamal secrets print` is compared the same way.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { environmentCopy } from '../../light/tables.js';
import type { Found } from '../../vault/secrets.js';
import { type DotenvVersion, parseSecretsFile } from '../dotenv-model.js';
import type { CommandRunner } from './commands.js';
import type { Deploy } from './evaluate.js';
import { printThroughKamal, type RealKamal } from './real-kamal.js';

export const digest = (value: string) => createHash('sha256').update(value).digest('hex');

export interface Difference {
  destination: string | undefined;
  name: string;
  why: string;
}

/** The environment `kamal-secret run [-d DEST] -- kamal …` gives Kamal: the vault's values over the caller's. */
export function runEnvironment(
  env: NodeJS.ProcessEnv,
  visible: Map<string, Found>,
  destination: string | undefined,
): NodeJS.ProcessEnv {
  const out = environmentCopy(env);
  for (const [name, { value }] of visible) out[name] = value;
  if (destination) out.KAMAL_DESTINATION = destination;
  else delete out.KAMAL_DESTINATION;
  return out;
}

export interface ModelCheck {
  deploy: Deploy;
  /** the secrets files Kamal reads for the deploy, as they are now */
  files: string[];
  /** name → SHA-256 of the value the deploy must get */
  expected: Map<string, string>;
  visible: Map<string, Found>;
}

export function verifyWithModel(
  checks: ModelCheck[],
  versions: DotenvVersion[],
  env: NodeJS.ProcessEnv,
  runner: CommandRunner,
): Difference[] {
  const differences: Difference[] = [];
  for (const { deploy, files, expected, visible } of checks) {
    const runEnv = runEnvironment(env, visible, deploy.destination);
    for (const version of versions) {
      const delivered = new Map<string, string | null>();
      for (const file of files) {
        const parsed = parseSecretsFile(
          fs.readFileSync(file, 'utf8'),
          version,
          runEnv,
          runner.replay(runEnv, deploy.scope),
        );
        for (const [name, e] of parsed.values) delivered.set(name, e.value);
      }
      for (const [name, hash] of expected) {
        const value = delivered.get(name);
        if (value !== undefined && value !== null && digest(value) === hash) continue;
        const inVault = visible.get(name);
        const why =
          value === undefined
            ? 'the new files do not define it'
            : inVault && digest(inVault.value) !== hash
              ? `the vault gives this deploy another value (${inVault.ref})`
              : value === null && inVault?.value.includes('$(')
                ? `its value holds "$(", which dotenv ${version} runs as a command even through $${name}`
                : `dotenv ${version} delivers it altered`;
        differences.push({ destination: deploy.destination, name, why });
      }
    }
  }
  return unique(differences);
}

/** Real `kamal secrets print`, run through `kamal-secret run` (`self` starts kamal-secret), against the expected values. */
export function verifyWithKamal(
  checks: ModelCheck[],
  kamal: RealKamal,
  self: string[],
  ctx: { cwd: string; env: NodeJS.ProcessEnv },
): Difference[] {
  const differences: Difference[] = [];
  for (const { deploy, expected } of checks) {
    const run = [...self, 'run', ...(deploy.destination ? ['-d', deploy.destination] : []), '--'];
    const env = { ...ctx.env };
    delete env.KAMAL_DESTINATION;
    const printed = printThroughKamal(kamal, deploy.destination, new Set(expected.keys()), { cwd: ctx.cwd, env }, run);
    for (const [name, hash] of expected) {
      const value = printed.ok ? printed.values.get(name) : undefined;
      if (value !== undefined && digest(value) === hash) continue;
      const why = !printed.ok
        ? `${printed.reason} (through kamal-secret run)`
        : value === undefined
          ? `real kamal secrets print (through kamal-secret run) does not deliver it`
          : `real kamal secrets print (through kamal-secret run) delivers it altered`;
      differences.push({ destination: deploy.destination, name, why });
    }
  }
  return unique(differences);
}

function unique(differences: Difference[]): Difference[] {
  const seen = new Set<string>();
  return differences.filter((d) => {
    const key = `${d.destination}\0${d.name}\0${d.why}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
