// npm run bench: every figure beside `node -e 0` measured in the same run.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { request } from '../dist/light/agent-client.js';
import { DEFAULT_KDF, deriveKey, sodium } from '../dist/vault/crypto.js';
import { benchGitlab } from './gitlab.js';
import { benchKamal } from './kamal.js';
import { BIN, note, report, rssMb, sandbox, spawnAgent, timeCommand, timeInterleaved } from './lib.js';

const node = process.execPath;
console.log(
  `kamal-secret benchmarks: ${os.cpus()[0].model}, ${os.cpus().length} cores, Node ${process.version}, ${process.platform}`,
);
console.log('(medians of repeated runs; figures printed, never asserted)\n');

// get with a warm agent, 10 and 10,000 secrets, timed in alternation with the baseline
let baseline;
const small = sandbox('small');
const large = sandbox('large');
try {
  small.ks(['init', '--no-keychain']);
  small.fill(10);
  large.ks(['init', '--no-keychain']);
  large.fill(10_000);
  small.ks(['get', 'SECRET_1']); // starts and unlocks the agent
  large.ks(['get', 'SECRET_1']);
  const noPass = (env) => ({ ...env, KAMAL_SECRET_PASSPHRASE: '' });
  const [base, version, get10, get10k] = timeInterleaved(
    [
      [node, ['-e', '0']],
      [node, [BIN, '--version']],
      [node, [BIN, 'get', 'SECRET_7'], { env: noPass(small.env) }],
      [node, [BIN, 'get', 'SECRET_7777'], { env: noPass(large.env) }],
    ],
    { runs: 60 },
  );
  baseline = report('node -e 0', base);
  report('kamal-secret --version', version, baseline);
  const warm10 = report('get, warm agent, 10 secrets', get10, baseline);
  const warm10k = report('get, warm agent, 10,000 secrets', get10k, baseline);
  note('  10,000 vs 10 secrets', `${(warm10k / warm10).toFixed(3)}x`);
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
}

await benchKeychainStart();
benchKamal(baseline);
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
