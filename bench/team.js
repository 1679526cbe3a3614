// npm run bench:team: `get` inside an app whose team vault holds 200 secrets, through a
// warm agent, in pairs with `node -e 0` (BENCH_RUNS pairs, default 31), beside `get` of
// a personal secret in the same app (the team vault is opened too: it is in the chain).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { request } from '../dist/light/agent-client.js';
import { parseIdentity } from '../dist/team/identity.js';
import { openTeamVault, serializeTeamVault, setTeamSecret } from '../dist/team/team-vault.js';
import { BIN, note, PAIRS, report, reportPairs, sandbox, timePairs } from './lib.js';

const COUNT = 200;
const node = process.execPath;
const box = sandbox('team');
try {
  box.ks(['init', '--no-keychain']);
  const app = path.join(box.dir, 'shop');
  fs.mkdirSync(path.join(app, 'config'), { recursive: true });
  fs.writeFileSync(path.join(app, 'config', 'deploy.yml'), 'service: shop\nimage: x/shop\n');
  fs.writeFileSync(path.join(app, 'config', 'deploy.production.yml'), '');
  box.ks(['team', 'init', '--name', 'bench'], { cwd: app }); // starts and unlocks the agent
  box.ks(['set', 'shop/PERSONAL_ONLY'], { cwd: app, input: 'personal-value' });

  // 200 team secrets, written with the library (200 `set --team` processes would only measure set).
  const sock = box.env.KAMAL_SECRET_AGENT_SOCK;
  const ask = async (req) => {
    const reply = await request(sock, req);
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  };
  const identity = await parseIdentity((await ask({ op: 'identity' })).identity);
  const file = path.join(app, '.kamal', 'secrets.vault');
  const { memory } = await ask({ op: 'team-memory', app: 'shop' });
  let vault = await openTeamVault(fs.readFileSync(file, 'utf8'), identity, { file, app: 'shop', trust: { memory } });
  const at = new Date();
  for (let i = 0; i < COUNT; i++) {
    const scope = i % 2 ? 'shop/production' : 'shop';
    vault = (await setTeamSecret(vault, scope, `SECRET_${i}`, `value-${i}-${'x'.repeat(24)}`, at)).vault;
  }
  fs.writeFileSync(file, serializeTeamVault(vault));
  await ask({ op: 'remember-team', app: 'shop', memory: vault.memory });
  if (box.ks(['get', 'SECRET_77', '-d', 'production'], { cwd: app }) !== 'value-77-xxxxxxxxxxxxxxxxxxxxxxxx\n')
    throw new Error('the team secret does not read back');

  const opts = { cwd: app, env: { ...box.env, KAMAL_SECRET_PASSPHRASE: '' } };
  console.log(`kamal-secret team vault benchmark (${PAIRS} pairs each, beside node -e 0 in alternation)`);
  const [team, personal] = timePairs(
    [node, ['-e', '0']],
    [
      [node, [BIN, 'get', 'SECRET_77', '-d', 'production'], opts],
      [node, [BIN, 'get', 'PERSONAL_ONLY'], opts],
    ],
  );
  note('team vault', `${COUNT} secrets, ${fs.statSync(file).size} bytes`);
  reportPairs(`get, warm agent, team vault of ${COUNT}`, team, { target: 1.15 });
  reportPairs(`get of a personal secret in the same app`, personal, { target: 1.15 });

  // The agent verifies the whole file again after each change (every signature, every value).
  const text = fs.readFileSync(file);
  const afterChange = [];
  for (let i = 0; i < 5; i++) {
    fs.writeFileSync(file, text); // same text, new stat signature
    const t = performance.now();
    box.ks(['get', 'SECRET_77', '-d', 'production'], opts);
    afterChange.push(performance.now() - t);
  }
  report(`get, first after the team file changed (agent re-verifies ${COUNT})`, afterChange);
} finally {
  box.cleanup();
}
