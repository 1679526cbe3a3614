// Where the real Kamal and dotenv sources are, for the tests and the benchmark that run
// real Kamal (plain JavaScript, so that `npm run bench` can import it too). They live
// outside this repository (the workspace's shared/third-party and shared/tools/kamal-harness);
// each path can be overridden, and whoever needs them says why they are missing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** KAMAL_SECRET_SHARED_DIR, else the nearest `shared/` beside this clone or one of its parents (worktrees nest). */
function findShared() {
  if (process.env.KAMAL_SECRET_SHARED_DIR) return process.env.KAMAL_SECRET_SHARED_DIR;
  for (let dir = path.dirname(ROOT); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared');
    if (fs.existsSync(path.join(candidate, 'third-party')) || path.dirname(dir) === dir) return candidate;
  }
}

const shared = findShared();

export const realKamalSources = {
  kamal: process.env.KAMAL_SRC ?? path.join(shared, 'third-party', 'kamal-v2.12.0'),
  dotenv: {
    3.2: process.env.DOTENV_32_SRC ?? path.join(shared, 'third-party', 'dotenv-3.2.0'),
    3.1: process.env.DOTENV_31_SRC ?? path.join(shared, 'third-party', 'dotenv-3.1.8'),
  },
  harness: process.env.KAMAL_HARNESS ?? path.join(shared, 'tools', 'kamal-harness', 'run-kamal.sh'),
};

function hasRuby() {
  try {
    execFileSync('ruby', ['-e', '0'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What is missing to run real Kamal, in words (empty when it can run). */
export const realKamalMissing = [
  !fs.existsSync(path.join(realKamalSources.kamal, 'lib', 'kamal.rb')) &&
    `Kamal 2.12 sources (KAMAL_SRC=${realKamalSources.kamal})`,
  !fs.existsSync(path.join(realKamalSources.dotenv['3.2'], 'lib', 'dotenv.rb')) &&
    'dotenv 3.2.0 sources (DOTENV_32_SRC)',
  !fs.existsSync(path.join(realKamalSources.dotenv['3.1'], 'lib', 'dotenv.rb')) &&
    'dotenv 3.1.8 sources (DOTENV_31_SRC)',
  !fs.existsSync(realKamalSources.harness) && `kamal harness (KAMAL_HARNESS=${realKamalSources.harness})`,
  !hasRuby() && 'ruby (apt-get install ruby and the gems .ci/run lists)',
].filter(Boolean);
