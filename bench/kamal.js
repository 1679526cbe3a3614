// Apps for the benchmarks of what a deploy runs: run and check on an app with 30 secrets,
// and real Kamal's `secrets print` through `kamal-secret run` beside the same file with
// the values written in (Kamal 2.12 from the sources the real-Kamal tests use).
import fs from 'node:fs';
import path from 'node:path';
import { realKamalMissing, realKamalSources } from '../test/helpers/real-kamal-sources.js';
import { BIN, note, reportPairs, sandbox, timePairs } from './lib.js';

/**
 * A Kamal app beside `box`'s vault whose deploy.yml needs `count` secrets: in the vault's
 * scope `service` and read in env mode (NAME=$NAME), or with `values` written into
 * .kamal/secrets. Returns the app's directory.
 */
export function kamalApp(box, { service, count, values }) {
  const names = Array.from({ length: count }, (_, i) => `SECRET_${i}`);
  if (!values) box.fill(count, service);
  const app = path.join(box.dir, values ? `${service}-plaintext` : service);
  fs.mkdirSync(path.join(app, 'config'), { recursive: true });
  fs.mkdirSync(path.join(app, '.kamal'), { recursive: true });
  fs.writeFileSync(
    path.join(app, 'config', 'deploy.yml'),
    `service: ${service}\nimage: x/${service}\nservers: [192.0.2.1]\nregistry:\n  username: ${service}\n  password: [SECRET_0]\nbuilder:\n  arch: amd64\nenv:\n  secret: [${names.join(', ')}]\n`,
  );
  const line = (name, i) => (values ? `${name}=value-${i}-${'x'.repeat(24)}` : `${name}=$${name}`);
  fs.writeFileSync(path.join(app, '.kamal', 'secrets'), `${names.map(line).join('\n')}\n`);
  return app;
}

/** Real Kamal printing 12 env-mode secrets through run, in pairs with the plaintext file. */
export function benchRealKamal() {
  const label = 'real Kamal secrets print, 12 env-mode secrets, through run';
  if (realKamalMissing.length > 0) {
    note(label, `not measured: no ${realKamalMissing.join(', no ')}`);
    return;
  }
  const box = sandbox('real-kamal');
  try {
    box.ks(['init', '--no-keychain']);
    const envMode = kamalApp(box, { service: 'bench', count: 12 });
    const plaintext = kamalApp(box, { service: 'plain', count: 12, values: true });
    // `kamal` on PATH runs the harness, so that run sees a Kamal command (and reads its secrets files).
    const shim = path.join(box.dir, 'bin', 'kamal');
    fs.mkdirSync(path.dirname(shim));
    fs.writeFileSync(shim, `#!/bin/sh\nexec bash "${realKamalSources.harness}" "$PWD" "$@"\n`, { mode: 0o755 });
    const env = {
      ...box.env,
      KAMAL_SECRET_PASSPHRASE: '',
      PATH: `${path.dirname(shim)}:${process.env.PATH}`,
      KAMAL_SRC: realKamalSources.kamal,
      DOTENV_SRC: realKamalSources.dotenv['3.2'],
    };
    box.ks(['get', 'SECRET_1', '--scope', 'bench']); // agent up
    const printed = box.ks(['run', '--', 'kamal'], { cwd: envMode, env });
    if (printed.split('\n').filter(Boolean).length !== 12) throw new Error(`Kamal printed:\n${printed}`);
    const [viaRun] = timePairs(
      [shim, [], { cwd: plaintext, env }],
      [[process.execPath, [BIN, 'run', '--', 'kamal'], { cwd: envMode, env }]],
    );
    reportPairs(label, viaRun, { base: 'plaintext', target: 1.2 });
  } finally {
    box.cleanup();
  }
}
