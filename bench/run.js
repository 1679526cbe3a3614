// npm run bench: every start-up figure timed in pairs with `node -e 0` in the same run
// (BENCH_RUNS pairs each, default 31), and the rest beside the same baseline.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { request } from '../dist/light/agent-client.js';
import { DEFAULT_KDF, deriveKey, sodium } from '../dist/vault/crypto.js';
import { benchGitlab } from './gitlab.js';
import { benchRealKamal, kamalApp } from './kamal.js';
import {
  BIN,
  FLOORS,
  median,
  note,
  PAIRS,
  report,
  reportPairs,
  rssMb,
  sandbox,
  spawnAgent,
  timeCommand,
  timePairs,
} from './lib.js';

const node = process.execPath;
console.log(
  `kamal-secret benchmarks: ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}, ${process.platform}`,
);
console.log(`(medians of ${PAIRS} pairs, each command beside node -e 0 in alternation; printed, never asserted)`);
if (PAIRS < 21) console.log(`(BENCH_RUNS=${PAIRS}: a quick look; the figures to quote take at least 21 pairs)`);
if (process.env.NODE_EXTRA_CA_CERTS) {
  console.log(
    '(NODE_EXTRA_CA_CERTS is set: every node start, node -e 0 included, first loads those certificates; NODE_EXTRA_CA_CERTS= npm run bench measures without)',
  );
}
console.log('');

let baseline;
const small = sandbox('small');
const large = sandbox('large');
const deploy = sandbox('deploy');
try {
  small.ks(['init', '--no-keychain']);
  small.fill(10);
  large.ks(['init', '--no-keychain']);
  large.fill(10_000);
  deploy.ks(['init', '--no-keychain']);
  const app = kamalApp(deploy, { service: 'shop', count: 30 });
  small.ks(['get', 'SECRET_1']); // starts and unlocks the agent
  large.ks(['get', 'SECRET_1']);
  deploy.ks(['get', 'SECRET_1', '--scope', 'shop']);
  const noPass = (env) => ({ ...env, KAMAL_SECRET_PASSPHRASE: '' });
  const inApp = { env: noPass(deploy.env), cwd: app };
  const [version, help, get10, get10k, getFloor, run, runFloor, runRequestFloor, check] = timePairs(
    [node, ['-e', '0']],
    [
      [node, [BIN, '--version']],
      [node, [BIN, '--help']],
      [node, [BIN, 'get', 'SECRET_7'], { env: noPass(small.env) }],
      [node, [BIN, 'get', 'SECRET_7777'], { env: noPass(large.env) }],
      [node, [FLOORS.agentRequest, 'SECRET_7'], { env: small.env }],
      [node, [BIN, 'run', '--', 'true'], inApp],
      [node, [FLOORS.spawnTrue], inApp],
      [node, [FLOORS.requestThenSpawn, 'shop'], inApp],
      [node, [BIN, 'check'], inApp],
    ],
  );
  baseline = median([version, help, get10, get10k, run, check].flatMap((r) => r.baseTimes));
  note('node -e 0', `median ${baseline.toFixed(1)} ms over every pair`);
  reportPairs('kamal-secret --version', version, { target: 1.3 });
  reportPairs('kamal-secret --help', help);
  reportPairs('get, warm agent, 10 secrets', get10, { target: 1.15 });
  reportPairs('get, warm agent, 10,000 secrets', get10k, { target: 1.15 });
  note('  10,000 vs 10 secrets', `${(median(get10k.times) / median(get10.times)).toFixed(3)}x`);
  reportPairs('  floor: bare node asking the agent once (pipe handle)', getFloor);
  reportPairs('run -- true, 30 secrets, warm agent', run, { target: 1.15 });
  reportPairs('  floor: bare node spawning true (process handle)', runFloor);
  reportPairs('  floor: bare node asking the agent once, then spawning true', runRequestFloor);
  reportPairs('check, 30 secrets (env mode), warm agent', check, { target: 2 });
  const status = await request(large.env.KAMAL_SECRET_AGENT_SOCK, { op: 'status' });
  note('agent memory (RSS), 10,000 secrets loaded', `${rssMb(status.pid).toFixed(1)} MB`);

  const inProcess = { ...small.env, KAMAL_SECRET_NO_AGENT: '1' };
  report(
    'get, in-process passphrase unlock (no agent)',
    timeCommand(node, [BIN, 'get', 'SECRET_7'], { env: inProcess, runs: 10 }),
    baseline,
  );
  await sodium();
  const kdfTimes = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await deriveKey('benchmark passphrase', {
      name: 'argon2id',
      ...DEFAULT_KDF,
      salt: Buffer.alloc(16).toString('base64'),
    });
    kdfTimes.push(performance.now() - t);
  }
  report(`  of which Argon2id (${DEFAULT_KDF.memlimit / 2 ** 20} MiB, ${DEFAULT_KDF.opslimit} passes)`, kdfTimes);

  for (const [label, box] of [
    ['10', small],
    ['10,000', large],
  ]) {
    report(
      `set, through the agent, vault of ${label}`,
      timeCommand(node, [BIN, 'set', 'BENCH_SET'], { env: noPass(box.env), input: 'benchmark-value', runs: 10 }),
      baseline,
    );
    report(
      `set, in-process (no agent), vault of ${label}`,
      timeCommand(node, [BIN, 'set', 'BENCH_SET'], {
        env: { ...box.env, KAMAL_SECRET_NO_AGENT: '1' },
        input: 'benchmark-value',
        runs: 5,
      }),
      baseline,
    );
  }
} finally {
  small.cleanup();
  large.cleanup();
  deploy.cleanup();
}

await benchKeychainStart();
benchRealKamal();
await benchGitlab();

async function benchKeychainStart() {
  if (process.env.KAMAL_SECRET_TEST_KEYCHAIN !== '1') {
    note(
      'agent start to unlocked from the keychain',
      'not measured: no Secret Service (run npm run bench with dbus and gnome-keyring installed)',
    );
    return;
  }
  const box = sandbox('keychain');
  const env = { ...box.env, KAMAL_SECRET_NO_KEYCHAIN: '' };
  try {
    box.ks(['init'], { env });
    const times = [];
    for (let i = 0; i < 8; i++) {
      const started = performance.now();
      const agent = spawnAgent({ ...env, KAMAL_SECRET_PASSPHRASE: '' });
      for (;;) {
        const reply = await request(env.KAMAL_SECRET_AGENT_SOCK, { op: 'status' }).catch(() => null);
        if (reply?.ok && reply.unlocked_via === 'keychain') break;
        await new Promise((r) => setTimeout(r, 2));
      }
      times.push(performance.now() - started);
      agent.kill();
      await new Promise((r) => agent.on('close', r));
    }
    report('agent start to unlocked from the keychain', times);
  } finally {
    box.cleanup(); // the keychain entry goes with the private keyring session
  }
}
