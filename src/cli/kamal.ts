import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { findApp } from '../kamal/app.js';
import { listDestinations, readDeployConfig } from '../kamal/deploy-config.js';
import { CHAINED_HOOK, HOOK_MARKER, preConnectHook } from '../kamal/hook.js';
import { example } from './options.js';
import { out } from './output.js';

export function register(program: Command): void {
  const kamal = program.command('kamal').description('wire a Kamal app to kamal-secret');
  const init = kamal
    .command('init')
    .description(
      'write .kamal/secrets (.kamal/secrets-common when the app has destinations) in env mode for the names deploy.yml needs, and install a pre-connect hook that refuses empty secrets',
    )
    .option('--force', 'overwrite an existing file')
    .action((opts: { force?: boolean }) => {
      const app = findApp();
      if (!app) throw new UserError('no config/deploy.yml here or above; run this inside a Kamal app');
      const config = readDeployConfig(app.root);
      const names = new Set(config.needed.keys());
      const destinations = listDestinations(app.root);
      for (const d of destinations) for (const n of readDeployConfig(app.root, d).needed.keys()) names.add(n);
      // With destinations, `kamal deploy -d X` reads secrets-common and secrets.X but not
      // plain secrets; env-mode lines are the same for every destination, so they go in
      // the one file Kamal always reads.
      const secretsFile = path.resolve(
        app.root,
        destinations.length ? `${config.secretsPath}-common` : config.secretsPath,
      );
      if (fs.existsSync(secretsFile) && !opts.force)
        throw new UserError(
          `${path.relative(process.cwd(), secretsFile)} exists; refusing to overwrite it (use --force)`,
        );
      fs.mkdirSync(path.dirname(secretsFile), { recursive: true });
      const lines = [...names].sort().map((n) => `${n}=$${n}`);
      fs.writeFileSync(
        secretsFile,
        `# Env mode: values come from the environment.\n# Locally: kamal-secret run -- kamal deploy. In CI: CI/CD variables (kamal-secret gitlab sync).\n${lines.join('\n')}\n`,
      );
      out(
        `wrote ${path.relative(process.cwd(), secretsFile) || secretsFile} with ${lines.length} names: ${[...names].sort().join(' ')}`,
      );
      out(installHook(path.join(app.root, '.kamal', 'hooks'), config.secretsPath));
    });
  example(init, 'kamal-secret kamal init && kamal-secret check');
}

function installHook(dir: string, secretsPath: string): string {
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
