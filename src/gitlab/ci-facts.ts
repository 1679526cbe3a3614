// What `gitlab ci` needs to know about the app beyond readDeployConfig's names: whether
// a deploy without -d is allowed (require_destination), which deploys lack a registry
// build cache (builder.cache, deploy.DEST.yml merged over deploy.yml), and the Kamal
// version the app locks (Gemfile.lock).

import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The Kamal version whose behaviour this tool was tested against (reference/kamal-secrets.md). */
export const TESTED_KAMAL_VERSION = '2.12.0';

export interface CiFacts {
  requireDestination: boolean;
  /** whether the deploy to `destination` (null: without -d) has builder.cache */
  builderCache(destination: string | null): boolean;
  kamalVersion: { version: string; from: 'Gemfile.lock' | 'tested' };
}

export function readCiFacts(root: string): CiFacts {
  const base = settings(path.join(root, 'config', 'deploy.yml'));
  const hasCache = (config: Settings) => Boolean(obj(config.builder).cache);
  return {
    requireDestination: base.require_destination === true,
    builderCache: (destination) =>
      hasCache(base) ||
      (destination !== null && hasCache(settings(path.join(root, 'config', `deploy.${destination}.yml`)))),
    kamalVersion: lockedKamal(root),
  };
}

/** `kamal (X.Y.Z)` among the Gemfile.lock's specs, else the tested version. */
function lockedKamal(root: string): CiFacts['kamalVersion'] {
  let lock = '';
  try {
    lock = fs.readFileSync(path.join(root, 'Gemfile.lock'), 'utf8');
  } catch {
    // no Gemfile.lock: not a Ruby app, or Kamal installed on its own
  }
  const version = /^ {4}kamal \((\d+\.\d+\.\d+)\)\r?$/m.exec(lock)?.[1];
  return version ? { version, from: 'Gemfile.lock' } : { version: TESTED_KAMAL_VERSION, from: 'tested' };
}

type Settings = Record<string, unknown>;

/**
 * A deploy file's top-level settings; empty when it cannot be read (readDeployConfig,
 * which runs first, reports that). ERB tags read as empty, as in readDeployConfig.
 */
function settings(file: string): Settings {
  try {
    return obj(parse(fs.readFileSync(file, 'utf8').replace(/<%[\s\S]*?%>/g, '')));
  } catch {
    return {};
  }
}

const obj = (v: unknown): Settings => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Settings) : {});
