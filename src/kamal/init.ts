// `kamal-secret kamal init`: write the app's secrets files in env mode (NAME=$NAME for
// every name deploy.yml needs) and install the pre-connect guard (hook.ts). With
// destinations, Kamal reads .kamal/secrets-common and then .kamal/secrets.DEST, and the
// guard refuses every empty name in them: so secrets-common gets the names every
// destination needs, and .kamal/secrets.DEST the names only DEST needs.

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { type DeployConfig, readDeployConfig, secretsFiles } from './deploy-config.js';
import { CHAINED_HOOK, isGuardHook, preConnectHook } from './hook.js';

export interface InitResult {
  /** the secrets files written, with their names */
  files: { file: string; names: string[] }[];
  /** what happened to the pre-connect hook, for the user */
  hookNote: string;
}

export function initEnvMode(root: string, { force = false } = {}): InitResult {
  const config = readDeployConfig(root);
  const files = secretsPlan(config);
  for (const { file } of files) {
    if (fs.existsSync(file) && !force)
      throw new UserError(`${path.relative(root, file)} exists; refusing to overwrite it`, { fix: 'use --force' });
  }
  for (const { file, names, header } of files) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, envModeText(header, names));
  }
  return {
    files: files.map(({ file, names }) => ({ file, names })),
    hookNote: installHook(root, config.hooksPath, config.secretsPath),
  };
}

/** A secrets file in env mode: its header (when Kamal reads it), then `NAME=$NAME` for each name, in the order given. */
export function envModeText(header: string, names: string[]): string {
  return (
    `${header}\n# Env mode: values come from the environment.\n` +
    '# Locally: kamal-secret run -- kamal deploy. In CI: CI/CD variables (kamal-secret gitlab sync).\n' +
    names.map((n) => `${n}=$${n}\n`).join('')
  );
}

/** The first line of each secrets file: when Kamal reads it. */
export const FILE_HEADERS = {
  alone: '# Read by every deploy.',
  common: '# Read by every deploy: the names every destination needs.',
  destination: (destination: string) =>
    `# Read with -d ${destination}, after .kamal/secrets-common: the names only it needs.`,
  plain: '# Read without -d, after .kamal/secrets-common.',
};

/** Which names go in which file: the plain file alone, or secrets-common plus one file per destination. */
function secretsPlan(config: DeployConfig): { file: string; names: string[]; header: string }[] {
  const sorted = (names: Iterable<string>) => [...names].sort();
  if (config.destinations.length === 0)
    return [{ file: secretsFiles(config)[1], names: sorted(config.needed.keys()), header: FILE_HEADERS.alone }];
  const neededBy = config.destinations.map((d) => ({
    destination: d,
    names: new Set(readDeployConfig(config.root, d).needed.keys()),
  }));
  const common = new Set(neededBy.map((d) => [...d.names]).reduce((a, b) => a.filter((n) => b.includes(n))));
  const only = (names: Iterable<string>) => sorted([...names].filter((n) => !common.has(n)));
  const plan = [
    {
      file: secretsFiles(config)[0],
      names: sorted(common),
      header: FILE_HEADERS.common,
    },
  ];
  for (const { destination, names } of neededBy) {
    const own = only(names);
    if (own.length)
      plan.push({
        file: secretsFiles(config, destination)[1],
        names: own,
        header: FILE_HEADERS.destination(destination),
      });
  }
  const plain = only(config.needed.keys());
  if (plain.length)
    plan.push({
      file: secretsFiles(config)[1],
      names: plain,
      header: FILE_HEADERS.plain,
    });
  return plan;
}

/** Install the pre-connect guard in the app's hooks directory, chaining a hook that was there; says what it did. */
export function installHook(root: string, hooksPath: string, secretsPath: string): string {
  const dir = path.resolve(root, hooksPath);
  fs.mkdirSync(dir, { recursive: true });
  const hook = path.join(dir, 'pre-connect');
  let note = `installed ${path.join(hooksPath, 'pre-connect')} (refuses empty secrets)`;
  if (fs.existsSync(hook) && !isGuardHook(fs.readFileSync(hook, 'utf8'))) {
    fs.renameSync(hook, path.join(dir, CHAINED_HOOK));
    fs.chmodSync(path.join(dir, CHAINED_HOOK), 0o755);
    note += `; your existing hook now runs after it, as ${CHAINED_HOOK}`;
  }
  fs.writeFileSync(hook, preConnectHook(secretsPath), { mode: 0o755 });
  fs.chmodSync(hook, 0o755);
  return note;
}
