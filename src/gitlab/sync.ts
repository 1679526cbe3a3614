// Which secrets go where: the vault's visible set for an app maps to environment
// scope `*`, each APP/DEST scope to `DEST`; names Kamal reads through $NAME stay env_var.

import fs from 'node:fs';
import { findApp } from '../kamal/app.js';
import { listDestinations, readDeployConfig, secretsFiles } from '../kamal/deploy-config.js';
import { parseSecretsFile } from '../kamal/dotenv-model.js';
import { scopeChain } from '../vault/refs.js';
import type { VaultSession } from '../vault/session.js';
import type { Desired } from './planner.js';

export async function desiredVariables(session: VaultSession, scope: string, opts: { environmentScope?: string; types: Map<string, 'env_var' | 'file'> }): Promise<Desired[]> {
  const readByKamal = namesKamalReads();
  const [app, dest] = scope.split('/');
  const groups: [string, string[]][] = dest ? [[dest, scopeChain(scope)]] : [['*', scopeChain(scope)]];
  if (!dest && app) {
    const dests = new Set((await session.list()).filter((e) => e.scope.startsWith(`${app}/`)).map((e) => e.scope.split('/')[1]));
    for (const d of dests) groups.push([d, [`${app}/${d}`]]);
  }
  const out: Desired[] = [];
  for (const [environmentScope, chain] of groups) {
    for (const [name, found] of await session.visible(chain)) {
      if (name === 'GITLAB_TOKEN') continue;
      out.push({ key: name, value: found.value, environment_scope: opts.environmentScope ?? environmentScope, readByKamal: readByKamal.has(name), typeOverride: opts.types.get(name) });
    }
  }
  return out;
}

function namesKamalReads(): Set<string> {
  const names = new Set<string>();
  const app = findApp();
  if (!app) return names;
  try {
    const config = readDeployConfig(app.root);
    const files = new Set([...secretsFiles(config), ...listDestinations(app.root).flatMap((d) => secretsFiles(config, d))]);
    for (const file of [...files].filter((f) => fs.existsSync(f))) {
      for (const e of parseSecretsFile(fs.readFileSync(file, 'utf8'), '3.1', {}, () => ({ kind: 'not-run', reason: 'names only' })).entries) {
        for (const v of e.variables) names.add(v.name);
      }
    }
  } catch {
    // no readable app config: nothing is known to be read by Kamal
  }
  return names;
}
