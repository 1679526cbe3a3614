// check and run on an app with 30 secrets, beside node -e 0.
import fs from 'node:fs';
import path from 'node:path';
import { BIN, report, sandbox, timeCommand } from './lib.js';

export function benchKamal(baseline) {
  const box = sandbox('kamal');
  try {
    box.ks(['init', '--no-keychain']);
    box.fill(30, 'shop');
    const app = path.join(box.dir, 'app');
    const names = Array.from({ length: 30 }, (_, i) => `SECRET_${i}`);
    fs.mkdirSync(path.join(app, 'config'), { recursive: true });
    fs.mkdirSync(path.join(app, '.kamal'), { recursive: true });
    fs.writeFileSync(
      path.join(app, 'config', 'deploy.yml'),
      `service: shop\nimage: x/shop\nservers: [192.0.2.1]\nenv:\n  secret: [${names.join(', ')}]\n`,
    );
    fs.writeFileSync(path.join(app, '.kamal', 'secrets'), `${names.map((n) => `${n}=$${n}`).join('\n')}\n`);
    const env = { ...box.env, KAMAL_SECRET_PASSPHRASE: '' };
    box.ks(['get', 'SECRET_1', '--scope', 'shop']); // agent up
    report(
      'check, 30 secrets (env mode), warm agent',
      timeCommand(process.execPath, [BIN, 'check'], { env, cwd: app, runs: 15 }),
      baseline,
    );
    report(
      'run -- true, 30 secrets, warm agent',
      timeCommand(process.execPath, [BIN, 'run', '--', 'true'], { env, cwd: app, runs: 15 }),
      baseline,
    );
  } finally {
    box.cleanup();
  }
}
