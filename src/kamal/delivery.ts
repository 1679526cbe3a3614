// What Kamal delivers for one deploy: it reads .kamal/secrets-common, then
// .kamal/secrets (or .kamal/secrets.DEST with -d), parses each file on its own and
// merges the results, the later file winning (lib/kamal/secrets.rb). A file whose
// command names a missing program yields nothing; any other failure aborts Kamal.

import fs from 'node:fs';
import { environmentCopy } from '../light/tables.js';
import { type DeployConfig, secretsFiles } from './deploy-config.js';
import { type DotenvVersion, type Entry, type Executor, type ParseResult, parseSecretsFile } from './dotenv-model.js';

export interface ParsedFile {
  path: string;
  parsed: ParseResult;
}

export interface Delivery {
  /** the files Kamal reads that exist, in order, each parsed */
  files: ParsedFile[];
  /** what `kamal secrets print` shows: every name, the later file winning; empty when Kamal aborts */
  values: Map<string, Entry>;
  /** the file whose parse aborts Kamal, when one does */
  abortedBy?: ParsedFile;
}

/**
 * The environment Kamal runs the files' commands with: Kamal sets KAMAL_DESTINATION
 * for -d and removes it otherwise (Kamal::Configuration.create_from).
 */
export function kamalEnvironment(env: NodeJS.ProcessEnv, destination: string | undefined): NodeJS.ProcessEnv {
  const out = environmentCopy(env);
  if (destination) out.KAMAL_DESTINATION = destination;
  else delete out.KAMAL_DESTINATION;
  return out;
}

export function deliver(
  config: DeployConfig,
  destination: string | undefined,
  version: DotenvVersion,
  env: Record<string, string | undefined>,
  exec: Executor,
): Delivery {
  const delivery: Delivery = { files: [], values: new Map() };
  for (const path of secretsFiles(config, destination)) {
    const text = readSecretsFile(path);
    if (text === null) continue;
    const file = { path, parsed: parseSecretsFile(text, version, env, exec) };
    delivery.files.push(file);
    if (file.parsed.abort && file.parsed.abort.kind !== 'not-found') {
      delivery.abortedBy = file;
      delivery.values.clear();
      break;
    }
    for (const [name, entry] of file.parsed.values) delivery.values.set(name, entry);
  }
  return delivery;
}

/** A secrets file's text: null when Kamal skips it (missing), empty for a directory (dotenv ignores EISDIR). */
function readSecretsFile(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EISDIR') return '';
    throw err;
  }
}
