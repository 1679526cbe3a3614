// Where each value goes in the vault (issue 15): a value every deploy shares goes to
// APP, or stays in the global scope when that already holds it (a registry password
// shared by all apps); a value that differs per destination goes to APP/DEST (the plain
// deploy's to APP). Existing values that would hide the new one from a deploy (an inner
// scope holding another value) are replaced too, and each replacement of a different
// value is a conflict, allowed only with --yes.

import { formatRef, scopeChain } from '../../light/refs.js';
import type { Stored } from './decide.js';
import type { Deploy, Origin } from './evaluate.js';

export type Action = 'create' | 'update' | 'unchanged' | 'in-global';

export interface SecretPlan {
  name: string;
  /** where the deploys in `destinations` find it after the migration */
  ref: string;
  destinations: (string | undefined)[];
  action: Action;
  origin: Origin;
  altered?: Stored['altered'];
}

export interface Write {
  ref: string;
  value: string;
  /** the value there before, or undefined when there was none */
  previous: string | undefined;
}

export interface ScopePlan {
  secrets: SecretPlan[];
  writes: Write[];
  /** refs whose different existing value would be replaced */
  conflicts: string[];
}

/**
 * `stored` maps each deploy to the values it must get; `vault` is every secret by ref;
 * `shared`: may a value common to all of these deploys go to APP (false when only some
 * of the app's deploys are migrated, so that the others are not changed).
 */
export function planScopes(
  app: string,
  stored: Map<Deploy, Map<string, Stored>>,
  vault: Map<string, string>,
  shared: boolean,
): ScopePlan {
  const deploys = [...stored.keys()];
  const names = [...new Set(deploys.flatMap((d) => [...stored.get(d)!.keys()]))].sort();
  const writes = new Map<string, Write>();
  const secrets: SecretPlan[] = [];
  const write = (ref: string, value: string) => {
    if (vault.get(ref) !== value) writes.set(ref, { ref, value, previous: vault.get(ref) });
  };
  for (const name of names) {
    const having = deploys.filter((d) => stored.get(d)!.has(name));
    const values = having.map((d) => stored.get(d)!.get(name)!);
    const same = having.length === deploys.length && values.every((v) => v.value === values[0].value);
    const inGlobal = (value: string) => vault.get(name) === value;
    const groups: [string, Deploy[]][] =
      shared && same
        ? [[inGlobal(values[0].value) ? '' : app, having]]
        : having.map((d, i) => [inGlobal(values[i].value) ? '' : d.scope, [d]]);
    for (const [scope, group] of groups) {
      const { value, origin, altered } = stored.get(group[0])!.get(name)!;
      const ref = formatRef({ scope, name });
      const action: Action =
        scope === '' ? 'in-global' : vault.get(ref) === value ? 'unchanged' : vault.has(ref) ? 'update' : 'create';
      if (scope !== '') write(ref, value);
      // an inner scope holding another value would hide this one from the deploy
      for (const d of group) {
        const chain = scopeChain(d.scope);
        for (const inner of chain.slice(0, chain.indexOf(scope))) {
          const innerRef = formatRef({ scope: inner, name });
          if (vault.has(innerRef)) write(innerRef, value);
        }
      }
      secrets.push({
        name,
        ref,
        destinations: group.map((d) => d.destination),
        action,
        origin,
        ...(altered ? { altered } : {}),
      });
    }
  }
  const all = [...writes.values()];
  return { secrets, writes: all, conflicts: all.filter((w) => w.previous !== undefined).map((w) => w.ref) };
}
