// The app's own Kamal, when there is one: it fetches from the password manager with its
// real adapter, and its `kamal secrets print` is the before/after oracle of a migration.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type CommandOutcome, chomp, shellEscape } from '../dotenv-model.js';
import { onPath } from '../path-lookup.js';

export interface RealKamal {
  /** the argv that starts it: bin/kamal, bundle exec kamal, or kamal */
  command: string[];
  /** how to name it to the user */
  label: string;
}

interface RunContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** bin/kamal (the binstub), else `bundle exec kamal` when Gemfile.lock names kamal, else kamal on PATH. */
export function findKamal(root: string, env: NodeJS.ProcessEnv): RealKamal | null {
  const binstub = path.join(root, 'bin', 'kamal');
  if (onPath(binstub, env)) return { command: [binstub], label: 'bin/kamal' };
  if (/^ {4}kamal \(/m.test(readLock(root)) && onPath('bundle', env))
    return { command: ['bundle', 'exec', 'kamal'], label: 'bundle exec kamal' };
  if (onPath('kamal', env)) return { command: ['kamal'], label: 'kamal' };
  return null;
}

/** The dotenv behaviour Gemfile.lock pins (Kamal 2 needs dotenv ~> 3.1), or null when it does not say. */
export function lockedDotenv(root: string): '3.1' | '3.2' | null {
  const m = /^ {4}dotenv \(3\.(\d+)/m.exec(readLock(root));
  return m ? (Number(m[1]) >= 2 ? '3.2' : '3.1') : null;
}

function readLock(root: string): string {
  try {
    return fs.readFileSync(path.join(root, 'Gemfile.lock'), 'utf8');
  } catch {
    return '';
  }
}

/** Why this Kamal cannot serve as the oracle (it does not run, or is not Kamal 2), or null when it can. */
export function unusable(kamal: RealKamal, ctx: RunContext): string | null {
  const r = run(kamal.command, ['version'], ctx, 'ignore');
  const version = /(\d+)\.\d+/.exec(r.stdout);
  if (r.status !== 0 || !version) return `\`${kamal.label} version\` fails`;
  return Number(version[1]) >= 2 ? null : `${kamal.label} is Kamal ${version[0]}, which has no .kamal/secrets`;
}

/** `kamal secrets fetch ARGS` run by Kamal, given to the file as `--inline` would give it. */
export function fetchThroughKamal(kamal: RealKamal, args: string[], ctx: RunContext): CommandOutcome {
  const r = run(kamal.command, ['secrets', 'fetch', ...args], ctx);
  const json = chomp(r.stdout);
  if (r.status === 0 && json.startsWith('{'))
    return { kind: 'ran', via: 'kamal', stdout: shellEscape(json), status: 0 };
  return { kind: 'not-run', reason: `${kamal.label} secrets fetch fails${kamalError(r.stdout)}` };
}

export type PrintResult = { ok: true; values: Map<string, string> } | { ok: false; reason: string };

/**
 * `kamal secrets print [-d DEST]`, optionally started through `wrapper` (kamal-secret run),
 * read back as NAME → value for the names the caller knows.
 */
export function printThroughKamal(
  kamal: RealKamal,
  destination: string | undefined,
  names: Set<string>,
  ctx: RunContext,
  wrapper: string[] = [],
): PrintResult {
  const dest = destination ? ['-d', destination] : [];
  const argv = [...wrapper, ...kamal.command, 'secrets', 'print', ...dest];
  const r = run([argv[0]], argv.slice(1), ctx);
  if (r.status !== 0)
    return {
      ok: false,
      reason: `${kamal.label} secrets print${dest.map((a) => ` ${a}`).join('')} fails${kamalError(r.stdout)}`,
    };
  return { ok: true, values: parsePrint(r.stdout, names) };
}

/**
 * `puts "#{key}=#{value}"` per secret: a line starting with a known NAME= begins the next
 * secret, any other line continues the value before it (a multi-line value).
 */
export function parsePrint(text: string, names: Set<string>): Map<string, string> {
  const values = new Map<string, string>();
  let current: string | undefined;
  for (const line of chomp(text).split('\n')) {
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq) : undefined;
    if (name !== undefined && names.has(name) && !values.has(name)) {
      current = name;
      values.set(name, line.slice(eq + 1));
    } else if (current !== undefined) values.set(current, `${values.get(current)}\n${line}`);
  }
  return values;
}

/** Kamal's own error line (`  ERROR (RuntimeError): message`), which names things, never values. */
function kamalError(stdout: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Kamal colours its error line
  const line = stdout.replace(/\x1b\[[0-9;]*m/g, '').match(/ERROR \(([\w:]+)\): (.*)/);
  return line ? `: ${line[2].trim()}` : '';
}

function run(command: string[], args: string[], ctx: RunContext, stderr: 'inherit' | 'ignore' = 'inherit') {
  const r = spawnSync(command[0], [...command.slice(1), ...args], {
    cwd: ctx.cwd,
    env: ctx.env,
    encoding: 'utf8',
    stdio: ['inherit', 'pipe', stderr],
    maxBuffer: 64 * 1024 * 1024,
  });
  return { stdout: r.stdout ?? '', status: r.error ? 127 : (r.status ?? 1) };
}
