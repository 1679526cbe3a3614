// Which secrets go where: the vault's visible set for an app maps to environment
// scope `*`, each APP/DEST scope to `DEST`; names Kamal reads through $NAME stay env_var.

import { findApp } from '../kamal/app.js';
import { listDestinations } from '../kamal/deploy-config.js';
import { variablesKamalReads } from '../kamal/secrets-files.js';
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
  const app = findApp();
  const destinations = app ? listDestinations(app.root) : [];
  return new Set(variablesKamalReads([undefined, ...destinations], {}).map((v) => v.name));
}
