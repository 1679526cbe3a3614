// What check's model says Kamal ends with for an app, in the Kamal driver's terms
// (test/kamal/kamal-driver.rb), and whether the two agree: shared by the real-Kamal
// cases and the differential run.
import fs from 'node:fs';
import path from 'node:path';
import { makeExecutor } from '../../src/kamal/check/executor.js';
import { deliver, kamalEnvironment } from '../../src/kamal/delivery.js';
import { type DeployConfig, readDeployConfig } from '../../src/kamal/deploy-config.js';
import type { CommandOutcome, DotenvVersion, Executor } from '../../src/kamal/dotenv-model.js';
import type { DriverReply } from '../helpers/real-kamal.js';

export const DEPLOY_YML = `service: demo
image: demo/demo
servers: [127.0.0.1]
registry:
  username: demo
  password: [KAMAL_REGISTRY_PASSWORD]
builder:
  arch: amd64
`;

/** Write `files` (relative path → text) under `dir`, with a deploy.yml Kamal accepts unless one is given. */
export function writeApp(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries({ 'config/deploy.yml': DEPLOY_YML, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
}

/** check's executor running every command as Kamal would (--exec); with a cache, each distinct command runs once. */
export function kamalExecutor(app: string, env: NodeJS.ProcessEnv, cache?: Map<string, CommandOutcome>): Executor {
  const run = makeExecutor({ cwd: app, env, exec: true, stderr: 'ignore', lookup: () => undefined });
  if (!cache) return run;
  const key = JSON.stringify(env);
  return (command) => {
    const known = cache.get(`${key}\0${command}`);
    if (known) return known;
    const outcome = run(command);
    cache.set(`${key}\0${command}`, outcome);
    return outcome;
  };
}

/** deploy.yml, read once per app and destination: the differential run reuses a few apps a thousand times. */
const configs = new Map<string, DeployConfig>();
function deployConfig(app: string, destination: string | undefined): DeployConfig {
  const key = `${app}\0${destination ?? ''}`;
  const known = configs.get(key);
  if (known) return known;
  const config = readDeployConfig(app, destination);
  configs.set(key, config);
  return config;
}

/** The model's answer to the driver's question: the secrets Kamal delivers, or that it aborts. */
export function modelReply(
  app: string,
  destination: string | undefined,
  version: DotenvVersion,
  env: Record<string, string>,
  cache?: Map<string, CommandOutcome>,
): DriverReply {
  const kamalEnv = kamalEnvironment(env, destination);
  const delivery = deliver(
    deployConfig(app, destination),
    destination,
    version,
    kamalEnv,
    kamalExecutor(app, kamalEnv, cache),
  );
  if (delivery.abortedBy) return { error: delivery.abortedBy.parsed.abort?.kind ?? 'abort', message: '' };
  const secrets: Record<string, string> = {};
  for (const [name, entry] of delivery.values) secrets[name] = entry.value ?? '<not known>';
  return { secrets };
}

/** The same secrets, name by name and value by value, or both aborting (the exception's class is Ruby's). */
export function agree(model: DriverReply, real: DriverReply): boolean {
  if ('error' in model || 'error' in real) return 'error' in model && 'error' in real;
  const sorted = (r: Record<string, string>) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
  return sorted(model.secrets) === sorted(real.secrets);
}
