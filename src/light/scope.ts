// The scope a command works in (DESIGN.md §2): --scope, else KAMAL_SECRET_SCOPE,
// else the service of the app around the working directory (light/app.ts); plus the destination from
// -d/--destination or KAMAL_DESTINATION when the scope names only an app.
// Kept free of commander and YAML: `get` uses it on its fast path.

import { UsageError } from '../errors.js';
import type { KamalApp } from './app.js';
import { isValidScopeSegment, validateScope } from './refs.js';

export interface ScopeOptions {
  scope?: string;
  global?: boolean;
  destination?: string;
}

/** What the environment says when the command line does not: KAMAL_SECRET_SCOPE and KAMAL_DESTINATION. */
export interface ScopeDefaults {
  scope: string | undefined;
  destination: string | undefined;
}

/** `app`: the app around the working directory (findApp), if any. */
export function resolveScope(opts: ScopeOptions, defaults: ScopeDefaults, app: KamalApp | null): string {
  if (opts.global) {
    if (opts.scope) throw new UsageError('--global and --scope cannot be used together');
    return '';
  }
  const destination = opts.destination ?? defaults.destination;
  let scope = opts.scope ?? defaults.scope;
  if (scope === undefined) {
    const service = app ? app.service : null;
    if (app && service !== null && !isValidScopeSegment(service)) {
      throw new UsageError(
        `service "${service}" in ${app.deployYml} cannot be a scope (Kamal allows letters, digits, "-" and "_"): fix it, or give --scope APP`,
      );
    }
    scope = service ?? '';
  }
  validateScope(scope);
  if (!destination) return scope;
  if (scope === '') {
    if (opts.destination)
      throw new UsageError(
        `-d ${destination} needs an app: run inside a Kamal app (config/deploy.yml) or give --scope APP`,
      );
    return scope; // KAMAL_DESTINATION outside an app has nothing to narrow
  }
  const [appScope, dest] = scope.split('/');
  if (dest && dest !== destination && opts.destination) {
    throw new UsageError(`the scope ${scope} already names destination ${dest}, but -d says ${destination}`);
  }
  return validateScope(dest ? scope : `${appScope}/${destination}`);
}
