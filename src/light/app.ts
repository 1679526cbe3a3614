// Finding the Kamal app around the working directory, cheaply: this is on the `get`
// path, so no YAML parser here. `service:` is a top-level scalar in every deploy.yml.

import fs from 'node:fs';
import path from 'node:path';

export interface AppLocation {
  root: string;
  deployYml: string;
}

/** The nearest directory, from `cwd` upwards, that holds config/deploy.yml. */
export function findApp(cwd: string): AppLocation | null {
  let dir = path.resolve(cwd);
  for (;;) {
    const deployYml = path.join(dir, 'config', 'deploy.yml');
    if (fs.existsSync(deployYml)) return { root: dir, deployYml };
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The top-level `service:` of a deploy.yml's text, or null. */
export function readServiceName(yamlText: string): string | null {
  const m = /^service:[ \t]*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s#][^#\n]*?))[ \t]*(?:#.*)?$/m.exec(yamlText);
  if (!m) return null;
  return (m[1] ?? m[2] ?? m[3] ?? '').trim() || null;
}
