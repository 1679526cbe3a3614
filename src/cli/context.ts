// What every command gets from the CLI edge: the configuration read once from the
// environment, the environment itself (for commands that hand it on: run, check),
// the working directory, and the two things nearly every command does with them.

import type { Config } from '../config.js';
import { findApp, type KamalApp } from '../light/app.js';
import { resolveScope, type ScopeOptions } from '../light/scope.js';
import { findTeamPlace } from '../light/team-place.js';
import { withSession } from '../unlock/session.js';
import type { VaultSession } from '../vault/session.js';

export interface CliContext {
  config: Config;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** the Kamal app around the working directory, if any: looked for once, on first use */
  readonly app: KamalApp | null;
  /** the scope a command works in, from its options and the environment (DESIGN §2) */
  scope(opts: ScopeOptions): string;
  /** run `fn` on the unlocked vault (through the agent, or in this process); inside an app with a team vault, its reads see that too */
  withSession<T>(fn: (s: VaultSession) => Promise<T>): Promise<T>;
}

export function cliContext(config: Config, env: NodeJS.ProcessEnv, cwd: string): CliContext {
  let found: KamalApp | null | undefined;
  const app = () => {
    if (found === undefined) found = findApp(cwd);
    return found;
  };
  return {
    config,
    env,
    cwd,
    get app() {
      return app();
    },
    scope: (opts) => resolveScope(opts, config, app()),
    withSession: (fn) => withSession(config, env, fn, findTeamPlace(app()) ?? undefined),
  };
}
