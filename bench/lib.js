// Timing helpers for the benchmarks: figures are printed, never asserted.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { throwawayEnv, withEnv } from '../scripts/throwaway-env.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'kamal-secret.js');

/** Node programs with nothing of ours loaded that do the least a fast path must (bench/floors). */
export const FLOORS = {
  agentRequest: path.join(ROOT, 'bench', 'floors', 'agent-request.cjs'),
  spawnTrue: path.join(ROOT, 'bench', 'floors', 'spawn-true.cjs'),
  requestThenSpawn: path.join(ROOT, 'bench', 'floors', 'request-then-spawn.cjs'),
};

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

/** Wall time of `cmd args` in ms, `runs` times after `warmup` runs. */
export function timeCommand(cmd, args, { env = process.env, cwd = ROOT, runs = 30, warmup = 3, input } = {}) {
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const ms = timeOnce(cmd, args, { env, cwd, input });
    if (i >= warmup) times.push(ms);
  }
  return times;
}

function timeOnce(cmd, args, { env = process.env, cwd = ROOT, input } = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, cwd, input, stdio: ['pipe', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return ms;
}

/** How many pairs each figure takes: BENCH_RUNS for a quick look, else the 31 the figures are quoted with. */
export const PAIRS = Number(process.env.BENCH_RUNS) || 31;

/**
 * Each command timed as a pair with `base` ([cmd, args, opts]), `runs` rounds over, the
 * order inside a pair alternating round by round, so that drift in the machine's load
 * falls on both halves of a pair alike. Per command: its times and its bases' times.
 */
export function timePairs(base, commands, { runs = PAIRS, warmup = 2 } = {}) {
  const results = commands.map(() => ({ times: [], baseTimes: [] }));
  for (let i = 0; i < warmup + runs; i++) {
    commands.forEach(([cmd, args, opts = {}], k) => {
      let b;
      let t;
      if (i % 2) {
        b = timeOnce(...base);
        t = timeOnce(cmd, args, opts);
      } else {
        t = timeOnce(cmd, args, opts);
        b = timeOnce(...base);
      }
      if (i >= warmup) {
        results[k].times.push(t);
        results[k].baseTimes.push(b);
      }
    });
  }
  return results;
}

/** A throwaway vault and agent socket (scripts/throwaway-env.mjs). */
export function sandbox(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ks-bench-${name}-`));
  const env = withEnv(throwawayEnv(dir));
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

export function report(label, times, baseline) {
  const m = median(times);
  const ratio = baseline ? ` ${(m / baseline).toFixed(2)}x node -e 0` : '';
  console.log(
    `${label.padEnd(58)} median ${m.toFixed(1).padStart(7)} ms  p90 ${p90(times).toFixed(1).padStart(7)} ms${ratio}`,
  );
  return m;
}

export function note(label, text) {
  console.log(`${label.padEnd(58)} ${text}`);
}

/**
 * One line for a command timed in pairs with a base: its median, the base's median in
 * the same pairs, the median of the pairs' ratios, and the target it is held to.
 */
export function reportPairs(label, { times, baseTimes }, { base = 'node -e 0', target } = {}) {
  const ratio = median(times.map((t, i) => t / baseTimes[i]));
  const verdict = target ? ` (target <= ${target}x: ${ratio <= target ? 'met' : 'NOT met'})` : '';
  console.log(
    `${label.padEnd(58)} median ${median(times).toFixed(1).padStart(7)} ms  ${base} ${median(baseTimes).toFixed(1)} ms  ${ratio.toFixed(2)}x${verdict}`,
  );
  return ratio;
}
