// Timing helpers for the benchmarks: figures are printed, never asserted.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'kamal-secret.js');
export const PASSPHRASE = 'benchmark passphrase';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

/** Wall time of `cmd args` in ms, `runs` times after `warmup` runs. */
export function timeCommand(cmd, args, { env = process.env, cwd = ROOT, runs = 30, warmup = 3, input } = {}) {
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, cwd, input, stdio: ['pipe', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    if (i >= warmup) times.push(ms);
  }
  return times;
}

/**
 * Several commands timed in alternation (A, B, C, A, B, C, …), so that drift in the
 * machine's load falls on all of them alike. Returns one array of times per command.
 */
export function timeInterleaved(commands, { runs = 40, warmup = 3 } = {}) {
  const times = commands.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    commands.forEach(([cmd, args, opts = {}], k) => {
      const t = timeCommand(cmd, args, { ...opts, runs: 1, warmup: 0 });
      if (i >= warmup) times[k].push(t[0]);
    });
  }
  return times;
}

/** A throwaway vault and agent socket. */
export function sandbox(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ks-bench-${name}-`));
  const env = {
    ...process.env,
    KAMAL_SECRET_VAULT: path.join(dir, 'data', 'vault.json'),
    KAMAL_SECRET_AGENT_SOCK: path.join(dir, 'run', 'agent.sock'),
    KAMAL_SECRET_PASSPHRASE: PASSPHRASE,
    KAMAL_SECRET_NO_KEYCHAIN: '1',
    KAMAL_SECRET_NO_TTY: '1',
    NO_COLOR: '1',
  };
  delete env.KAMAL_DESTINATION;
  delete env.KAMAL_SECRET_SCOPE;
  const ks = (args, opts = {}) => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      env: { ...env, ...opts.env },
      cwd: opts.cwd ?? dir,
      input: opts.input,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`kamal-secret ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  return {
    dir,
    env,
    ks,
    /** A vault holding `count` secrets, written in one import. */
    fill(count, scope = '') {
      const lines = Array.from({ length: count }, (_, i) => `SECRET_${i}=value-${i}-${'x'.repeat(24)}`);
      const file = path.join(dir, `fill-${count}.env`);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      ks(['import', file, ...(scope ? ['--scope', scope] : ['--global'])], { env: { KAMAL_SECRET_NO_AGENT: '1' } });
    },
    cleanup() {
      spawnSync(process.execPath, [BIN, 'agent', 'stop'], { env });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function spawnAgent(env) {
  return spawn(process.execPath, [BIN, 'agent'], { env, stdio: 'ignore' });
}

export function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]) / 1024;
}

const rows = [];
export function report(label, times, baseline) {
  const m = median(times);
  const ratio = baseline ? ` ${(m / baseline).toFixed(2)}x node -e 0` : '';
  rows.push(label);
  console.log(
    `${label.padEnd(58)} median ${m.toFixed(1).padStart(7)} ms  p90 ${p90(times).toFixed(1).padStart(7)} ms${ratio}`,
  );
  return m;
}

export function note(label, text) {
  console.log(`${label.padEnd(58)} ${text}`);
}
