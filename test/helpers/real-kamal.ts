// Real Kamal for the tests that compare with it: where its sources are (and what is
// missing) comes from real-kamal-sources.js, shared with the benchmark; without them the
// tests that need them report themselves skipped, saying why.
import { execFileSync } from 'node:child_process';
import type { DotenvVersion } from '../../src/kamal/dotenv-model.js';
import { realKamalMissing, realKamalSources as sources } from './real-kamal-sources.js';

/** The sources and the harness, and what is missing to run them. */
export const realKamalSources = sources as {
  kamal: string;
  dotenv: Record<DotenvVersion, string>;
  harness: string;
};
const missing = realKamalMissing as string[];

export const realKamalAvailable = missing.length === 0;
/** Appended to a describe title: empty when real Kamal can run, else why its tests skip. */
export const realKamalSkipReason = realKamalAvailable ? '' : ` (skipped: no ${missing.join(', no ')})`;

/** `kamal secrets print` in `app` with real Kamal on dotenv `version`; "ERROR …" when Kamal fails. */
export function realKamalPrint(
  app: string,
  version: DotenvVersion,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
): string {
  try {
    return execFileSync('bash', [realKamalSources.harness, app, ...args], {
      env: { ...env, KAMAL_SRC: realKamalSources.kamal, DOTENV_SRC: realKamalSources.dotenv[version] },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    return `ERROR ${(err as { stdout?: string }).stdout ?? ''}`;
  }
}
