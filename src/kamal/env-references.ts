// The `$NAME` references in the secrets files Kamal reads, without running any command:
// what `run` warns about and what `gitlab sync` keeps as env_var.

import fs from 'node:fs';
import { readDeployConfig, secretsFiles } from './deploy-config.js';
import { type Executor, parseSecretsFile, type VariableEvent } from './dotenv-model.js';

export const RUN_NOTHING: Executor = () => ({ kind: 'not-run', reason: 'commands are not run here' });

/**
 * Every variable the secrets files of the app at `root` read, for each destination
 * given (undefined: the plain deploy), with where its value would come from under
 * `env`. Empty with an unreadable config.
 */
export function variablesKamalReads(
  root: string,
  destinations: (string | undefined)[],
  env: Record<string, string | undefined>,
): VariableEvent[] {
  const files = new Set<string>();
  try {
    for (const d of destinations) for (const f of secretsFiles(readDeployConfig(root, d), d)) files.add(f);
  } catch {
    return [];
  }
  return [...files]
    .filter((f) => fs.existsSync(f))
    .flatMap((f) =>
      parseSecretsFile(fs.readFileSync(f, 'utf8'), '3.1', env, RUN_NOTHING).entries.flatMap((e) => e.variables),
    );
}
