// `kamal-secret kamal init`: write the app's secrets file in env mode (NAME=$NAME for
// every name deploy.yml needs) and install the pre-connect guard (hook.ts).

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { listDestinations, readDeployConfig } from './deploy-config.js';
import { CHAINED_HOOK, HOOK_MARKER, preConnectHook } from './hook.js';

export interface InitResult {
  /** the secrets file written */
  file: string;
  names: string[];
  /** what happened to the pre-connect hook, for the user */
  hookNote: string;
}

export function initEnvMode(root: string, { force = false } = {}): InitResult {
  const config = readDeployConfig(root);
  const names = new Set(config.needed.keys());
  const destinations = listDestinations(root);
  for (const d of destinations) for (const n of readDeployConfig(root, d).needed.keys()) names.add(n);
  // With destinations, `kamal deploy -d X` reads secrets-common and secrets.X but not
  // plain secrets; env-mode lines are the same for every destination, so they go in
  // the one file Kamal always reads.
  const file = path.resolve(root, destinations.length ? `${config.secretsPath}-common` : config.secretsPath);
  if (fs.existsSync(file) && !force) {
    throw new UserError(`${path.relative(root, file)} exists; refusing to overwrite it`, { fix: 'use --force' });
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sorted = [...names].sort();
  fs.writeFileSync(file, envModeText(sorted));
  return { file, names: sorted, hookNote: installHook(path.join(root, '.kamal', 'hooks'), config.secretsPath) };
}

/** A secrets file in env mode: `NAME=$NAME` for each name, in the order given. */
export function envModeText(names: string[]): string {
  return (
    '# Env mode: values come from the environment.\n' +
    '# Locally: kamal-secret run -- kamal deploy. In CI: CI/CD variables (kamal-secret gitlab sync).\n' +
    `${names.map((n) => `${n}=$${n}`).join('\n')}\n`
  );
}

/** Install the pre-connect guard in `dir` (.kamal/hooks), chaining a hook that was there; says what it did. */
export function installHook(dir: string, secretsPath: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const hook = path.join(dir, 'pre-connect');
  let note = 'installed .kamal/hooks/pre-connect (refuses empty secrets)';
  if (fs.existsSync(hook) && !fs.readFileSync(hook, 'utf8').includes(HOOK_MARKER)) {
    fs.renameSync(hook, path.join(dir, CHAINED_HOOK));
    fs.chmodSync(path.join(dir, CHAINED_HOOK), 0o755);
    note += `; your existing hook now runs after it, as ${CHAINED_HOOK}`;
  }
  fs.writeFileSync(hook, preConnectHook(secretsPath), { mode: 0o755 });
  fs.chmodSync(hook, 0o755);
  return note;
}
