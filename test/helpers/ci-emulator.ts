// Run the jobs of a generated .gitlab-ci.yml in a GitLab CI emulator: gitlab-ci-local
// (a devDependency; 4.72.0, the last release that runs on Node 20) with its shell
// executor, the CI/CD variables that `export --format gitlab` describes, and two
// stand-ins on PATH: `docker`, which answers the emulator when it starts the job's
// docker:dind service, and `kamal`, which records what the job handed it (the ssh-agent's
// keys and pid, known_hosts) and runs real Kamal's `secrets print` for the job's
// destination (test/helpers/real-kamal.ts). Without the emulator, rsync (which it
// needs), OpenSSH or real Kamal, the tests that use this say why they skip.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, runProcess } from './cli.js';
import { realKamalSkipReason, realKamalSources } from './real-kamal.js';

const emulator = path.join(ROOT, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
const onPath = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

const missing = [
  !fs.existsSync(emulator) && 'gitlab-ci-local (npm ci installs it)',
  ...['rsync', 'git', 'bash', 'awk', 'ssh-agent', 'ssh-add', 'ssh-keygen']
    .filter((p) => !onPath(p))
    .map((p) => `${p} (apt-get install ${p === 'rsync' || p === 'git' ? p : 'openssh-client'})`),
].filter((m): m is string => Boolean(m));

/** Appended to a describe title: empty when the jobs can run, else why their tests skip. */
export const emulatorSkipReason = missing.length ? ` (skipped: no ${missing.join(', no ')})` : realKamalSkipReason;
export const emulatorAvailable = emulatorSkipReason === '';

/** One variable as `export --format gitlab` prints it (the body of a first sync's POST). */
export interface ExportedVariable {
  key: string;
  value: string;
  variable_type: 'env_var' | 'file';
  raw: boolean;
  environment_scope: string;
}

/**
 * The emulator's project variables file for `variables`: each key with its type and a
 * value per environment scope. Variables are always sent raw, which the emulator has
 * no flag for: a `$` in an env_var is written `$$`, which it turns back into `$`.
 * JSON is YAML, and keeps every value exact.
 */
export function emulatorVariables(variables: ExportedVariable[]): string {
  const out: Record<string, { type: 'file' | 'variable'; values: Record<string, string> }> = {};
  for (const v of variables) {
    if (!v.raw) throw new Error(`${v.key} is not raw: the emulator file cannot say so`);
    const type = v.variable_type === 'file' ? 'file' : 'variable';
    out[v.key] ??= { type, values: {} };
    if (out[v.key].type !== type) throw new Error(`${v.key} has both types: the emulator file cannot say so`);
    out[v.key].values[v.environment_scope] = type === 'file' ? v.value : v.value.replaceAll('$', '$$$$');
  }
  return JSON.stringify(out, null, 2);
}

/** What the stand-in kamal saw in one job: the secrets real Kamal read, and the job's SSH setup. */
export interface KamalRun {
  secrets: string;
  agentKeys: string;
  agentPid: number;
  knownHosts: string;
}

/** A Kamal app in a git repository, with a home, stand-ins and a record of what they saw. */
export class EmulatedProject {
  readonly home: string;
  private readonly bin: string;
  private readonly record: string;
  private readonly failFlag: string;

  /** `dir` holds the app (config/deploy.yml and the rest, written by the test). */
  constructor(
    readonly dir: string,
    scratch: string,
  ) {
    this.home = path.join(scratch, 'home');
    this.bin = path.join(scratch, 'bin');
    this.record = path.join(scratch, 'record');
    this.failFlag = path.join(scratch, 'fail-kamal');
    for (const d of [this.home, this.bin, this.record]) fs.mkdirSync(d, { recursive: true });
    this.writeStandIns();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: this.env(), stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('remote', 'add', 'origin', 'git@gitlab.example.com:group/shop.git');
    fs.appendFileSync(path.join(dir, '.git', 'info', 'exclude'), '.gitlab-ci-local/\n.gitlab-ci-local-variables.yml\n');
  }

  /** Commit the app as it is now: the emulator runs what git tracks (and needs a commit). */
  commit(): void {
    execFileSync('git', ['add', '-A'], { cwd: this.dir, env: this.env() });
    execFileSync(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'app'],
      {
        cwd: this.dir,
        env: this.env(),
      },
    );
  }

  /** The project's CI/CD variables, as `export --format gitlab` printed them. */
  setVariables(variables: ExportedVariable[]): void {
    fs.writeFileSync(path.join(this.dir, '.gitlab-ci-local-variables.yml'), emulatorVariables(variables), {
      mode: 0o600,
    });
  }

  /** Run one (manual) job of the committed .gitlab-ci.yml. */
  async runJob(job: string): Promise<{ code: number | null; output: string }> {
    const r = await this.emulate([job, '--manual', job]);
    return { code: r.code, output: r.stdout + r.stderr };
  }

  /** The jobs the emulator would offer on this branch, with when they run. */
  async listJobs(): Promise<{ name: string; when: string }[]> {
    const r = await this.emulate(['--list-json']);
    if (r.code !== 0) throw new Error(`gitlab-ci-local --list-json failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** What the stand-in kamal saw in the job for `destination` (null: without -d), or null if it never ran. */
  kamalRun(destination: string | null): KamalRun | null {
    const dir = path.join(this.record, destination ?? 'plain');
    if (!fs.existsSync(path.join(dir, 'secrets'))) return null;
    const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
    return {
      secrets: read('secrets'),
      agentKeys: read('agent-keys'),
      agentPid: Number(read('agent-pid')),
      knownHosts: read('known_hosts'),
    };
  }

  /** The subcommands (and images) the emulator asked the stand-in docker for. */
  dockerCalls(): string[] {
    const log = path.join(this.record, 'docker.log');
    return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  }

  /** Make the stand-in kamal fail after it has recorded what it saw, as a failed deploy does. */
  failKamal(fail: boolean): void {
    if (fail) fs.writeFileSync(this.failFlag, '');
    else fs.rmSync(this.failFlag, { force: true });
  }

  /** Forget what earlier jobs recorded. */
  forget(): void {
    for (const f of fs.readdirSync(this.record)) fs.rmSync(path.join(this.record, f), { recursive: true });
  }

  private emulate(args: string[]) {
    return runProcess(
      process.execPath,
      [emulator, '--home', this.home, '--force-shell-executor', '--no-color', '--max-job-name-padding', '0', ...args],
      { env: this.env(), cwd: this.dir, timeoutMs: 180_000 },
    );
  }

  /** The runner's environment: its own home (the job writes ~/.ssh and ~/.gitconfig there), stand-ins first. */
  private env(): Record<string, string | undefined> {
    return {
      HOME: this.home,
      PATH: `${this.bin}:${process.env.PATH}`,
      SSH_AUTH_SOCK: undefined,
      SSH_AGENT_PID: undefined,
      GIT_CONFIG_NOSYSTEM: '1',
      XDG_CONFIG_HOME: path.join(this.home, '.config'),
    };
  }

  private writeStandIns(): void {
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    fs.writeFileSync(
      path.join(this.bin, 'docker'),
      `#!/bin/sh
# Stand-in docker: the emulator starts the job's services with it. Records the subcommand
# and the image, never the -e NAME=VALUE arguments the emulator passes along.
case "$1" in
  create) for last; do :; done; echo "create $last" >> ${q(path.join(this.record, 'docker.log'))}; echo stand-in-container ;;
  network) echo "network $2" >> ${q(path.join(this.record, 'docker.log'))}; echo stand-in-network ;;
  image) echo '[{"Config":{}}]' ;;
  *) echo "$1" >> ${q(path.join(this.record, 'docker.log'))} ;;
esac
`,
      { mode: 0o755 },
    );
    fs.writeFileSync(
      path.join(this.bin, 'kamal'),
      `#!/usr/bin/env bash
# Stand-in kamal: \`kamal deploy [-d DEST]\` records the job's SSH setup, then runs real
# Kamal's \`secrets print\` for the same destination, reading the job's environment.
set -euo pipefail
[ "\${1:-}" = deploy ] || { echo "stand-in kamal knows only: kamal deploy [-d DEST]" >&2; exit 2; }
shift
dest=
while [ $# -gt 0 ]; do case "$1" in -d|--destination) dest=$2; shift 2 ;; *) shift ;; esac; done
out=${q(this.record)}/\${dest:-plain}
mkdir -p "$out"
ssh-add -L > "$out/agent-keys"
echo "$SSH_AGENT_PID" > "$out/agent-pid"
cp ~/.ssh/known_hosts "$out/known_hosts"
KAMAL_SRC=${q(realKamalSources.kamal)} DOTENV_SRC=${q(realKamalSources.dotenv['3.2'])} \\
  bash ${q(realKamalSources.harness)} "$PWD" \${dest:+-d "$dest"} > "$out/secrets"
if [ -e ${q(this.failFlag)} ]; then echo "stand-in kamal: the deploy fails, as asked" >&2; exit 1; fi
`,
      { mode: 0o755 },
    );
  }
}

/** Whether `pid` has exited (a zombie that nobody reaped counts as exited). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
