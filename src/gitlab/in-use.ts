// Whether the project around a directory deploys through GitLab CI, for warnings that
// only matter there (a value GitLab cannot mask).

import fs from 'node:fs';
import path from 'node:path';

/** A .gitlab-ci.yml in `cwd` or above, up to the root of its git repository. */
export function gitlabCiFileAround(cwd: string): boolean {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.gitlab-ci.yml'))) return true;
    if (fs.existsSync(path.join(dir, '.git')) || path.dirname(dir) === dir) return false;
  }
}
