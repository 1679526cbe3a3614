// The pipeline `gitlab ci` prints, run by a GitLab CI emulator (test/helpers/ci-emulator.ts)
// with the CI/CD variables `export --format gitlab` describes: each deploy job hands
// real Kamal exactly the vault's values, loads the deploy key, writes known_hosts, and
// leaves no ssh-agent, duplicate known_hosts line or safe.directory entry behind.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmulatedProject,
  type ExportedVariable,
  emulatorAvailable,
  emulatorSkipReason,
  processGone,
} from '../helpers/ci-emulator.js';
import { Sandbox } from '../helpers/cli.js';

// Each job runs the emulator (a few seconds) and real Kamal (Ruby): minutes on a busy machine.
const JOB_TESTS_MS = 300_000;
// In the order .kamal/secrets-common names them, which is the order Kamal prints them.
const NAMES = ['KAMAL_REGISTRY_PASSWORD', 'RAILS_MASTER_KEY', 'DATABASE_URL', 'DOLLARS', 'SPACED', 'CERT', 'PIN'];
const app: Record<string, string> = {
  'config/deploy.yml': `service: shop
image: example/shop
servers: [192.0.2.1]
registry:
  username: deployer
  password: [KAMAL_REGISTRY_PASSWORD]
builder:
  arch: amd64
env:
  secret: [RAILS_MASTER_KEY, DATABASE_URL, DOLLARS, SPACED, CERT, PIN]
`,
  'config/deploy.staging.yml': 'servers: [192.0.2.2]\n',
  '.kamal/secrets-common': NAMES.map((n) => `${n}=$${n}\n`).join(''),
};
// Values that GitLab masks, that it cannot mask, and that a shell or dotenv would alter.
const values: [string, string][] = [
  ['KAMAL_REGISTRY_PASSWORD', 'registry-password-123'],
  ['shop/RAILS_MASTER_KEY', '0123456789abcdef0123456789abcdef'],
  ['shop/DATABASE_URL', 'postgres://shop:pa$word1@db/shop?x=${HOME}&y=$$'],
  ['shop/DOLLARS', `a'b"c\\d $(echo no) \`echo no\` #not-a-comment`],
  ['shop/SPACED', 'two words and a tab\there'],
  ['shop/CERT', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  ['shop/PIN', '1234'],
  ['shop/staging/RAILS_MASTER_KEY', 'fedcba9876543210fedcba9876543210'],
  ['shop/staging/DATABASE_URL', 'postgres://staging:other$pass@db/staging'],
];

describe(`gitlab ci's jobs in a GitLab CI emulator${emulatorSkipReason}`, () => {
  let box: Sandbox;
  let project: EmulatedProject;
  let publicKey: string;
  const knownHosts = '192.0.2.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostKeyOfTheServerItself';
  const agents: number[] = [];

  /** The vault's values for `scope`, as Kamal prints them for the names the app reads. */
  async function expectedPrint(scope: string): Promise<string> {
    const r = await box.run(['export', '--format', 'json', '--scope', scope]);
    const vault = JSON.parse(r.stdout) as Record<string, string>;
    return NAMES.map((n) => `${n}=${vault[n]}\n`).join('');
  }

  async function exported(args: string[] = []): Promise<ExportedVariable[]> {
    const r = await box.run(['export', '--format', 'gitlab', '--scope', 'shop', '--allow-unmasked', ...args], {
      cwd: project.dir,
    });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  }

  async function generate(args: string[] = []): Promise<void> {
    const r = await box.run(['gitlab', 'ci', ...args], { cwd: project.dir });
    expect(r.code, r.stderr).toBe(0);
    fs.writeFileSync(path.join(project.dir, '.gitlab-ci.yml'), r.stdout);
    project.commit();
  }

  async function run(job: string, destination: string | null) {
    project.forget();
    const result = await project.runJob(job);
    const seen = project.kamalRun(destination);
    if (seen) agents.push(seen.agentPid);
    return { ...result, seen };
  }

  beforeAll(async () => {
    if (!emulatorAvailable) return;
    box = new Sandbox({ KAMAL_SECRET_NO_AGENT: undefined });
    await box.init();
    for (const [ref, value] of values) await box.set(ref, value);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'deploy', '-f', box.path('deploy_key')]);
    publicKey = fs.readFileSync(box.path('deploy_key.pub'), 'utf8').trim();
    await box.set('SSH_PRIVATE_KEY', '', ['--file', box.path('deploy_key')]);
    await box.set('shop/SSH_KNOWN_HOSTS', knownHosts);
    box.write(Object.fromEntries(Object.entries(app).map(([f, text]) => [`app/${f}`, text])));
    project = new EmulatedProject(box.path('app'), box.path('ci'));
  });
  afterAll(async () => {
    for (const pid of agents) if (!processGone(pid)) process.kill(pid, 'SIGTERM');
    await box?.cleanup();
  });

  it.skipIf(!emulatorAvailable)(
    "each destination's job hands real Kamal exactly the vault's values, through the exported variables",
    async () => {
      await generate();
      const variables = await exported();
      const ssh = variables.filter((v) => v.key.startsWith('SSH_'));
      expect(ssh.map((v) => `${v.key} ${v.variable_type}`).sort()).toEqual([
        'SSH_KNOWN_HOSTS file',
        'SSH_PRIVATE_KEY file',
      ]);
      project.setVariables(variables);
      for (const [job, destination, scope] of [
        ['deploy', null, 'shop'],
        ['deploy:staging', 'staging', 'shop/staging'],
      ] as const) {
        const { code, output, seen } = await run(job, destination);
        expect(code, output).toBe(0);
        expect(seen!.secrets).toBe(await expectedPrint(scope));
        expect(seen!.agentKeys.trim()).toBe(publicKey); // the deploy key, loaded from the File variable
        expect(seen!.knownHosts).toBe(`${knownHosts}\n`);
        expect(processGone(seen!.agentPid)).toBe(true); // the agent holding the key stopped with the job
      }
      expect(project.dockerCalls()).toContain('create docker:27-dind');
    },
    JOB_TESTS_MS,
  );

  it.skipIf(!emulatorAvailable)(
    'a rerun on the same shell runner adds no second safe.directory or known_hosts line; a failed deploy stops the agent too',
    async () => {
      await generate(['--docker', 'socket']);
      project.setVariables(await exported());
      const ownHost = 'own.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRunnersOwnHostKey';
      fs.mkdirSync(path.join(project.home, '.ssh'), { recursive: true });
      fs.writeFileSync(path.join(project.home, '.ssh', 'known_hosts'), `${ownHost}\n`);
      for (let i = 0; i < 2; i++) expect((await run('deploy:staging', 'staging')).code).toBe(0);
      expect(project.dockerCalls()).toEqual([]); // --docker socket: no dind service to start
      const safeDirectories = execFileSync('git', ['config', '--global', '--get-all', 'safe.directory'], {
        env: { ...process.env, HOME: project.home, XDG_CONFIG_HOME: path.join(project.home, '.config') },
        encoding: 'utf8',
      });
      expect(safeDirectories.trim().split('\n')).toHaveLength(1);
      expect(fs.readFileSync(path.join(project.home, '.ssh', 'known_hosts'), 'utf8')).toBe(
        `${ownHost}\n${knownHosts}\n`,
      );

      project.failKamal(true);
      try {
        const failed = await run('deploy:staging', 'staging');
        expect(failed.code, failed.output).not.toBe(0);
        expect(failed.output).toContain('stand-in kamal: the deploy fails, as asked');
        expect(processGone(failed.seen!.agentPid)).toBe(true);
      } finally {
        project.failKamal(false);
      }
    },
    JOB_TESTS_MS,
  );

  it.skipIf(!emulatorAvailable)(
    'a missing SSH_KNOWN_HOSTS fails the job by name, before Kamal runs, and empties nothing',
    async () => {
      await generate(['--docker', 'socket']);
      project.setVariables((await exported()).filter((v) => v.key !== 'SSH_KNOWN_HOSTS'));
      const before = `${knownHosts}\n`;
      fs.mkdirSync(path.join(project.home, '.ssh'), { recursive: true });
      fs.writeFileSync(path.join(project.home, '.ssh', 'known_hosts'), before);
      const { code, output, seen } = await run('deploy', null);
      expect(code).not.toBe(0);
      expect(output).toContain(
        'the CI/CD variable SSH_KNOWN_HOSTS is missing or empty: kamal-secret set SSH_KNOWN_HOSTS --file FILE, then kamal-secret gitlab sync',
      );
      expect(seen).toBeNull();
      expect(fs.readFileSync(path.join(project.home, '.ssh', 'known_hosts'), 'utf8')).toBe(before);
    },
    JOB_TESTS_MS,
  );

  it.skipIf(!emulatorAvailable)(
    'the deploy jobs are offered, by hand, on the branch the rule names',
    async () => {
      await generate();
      const on = (jobs: { name: string; when: string }[]) => jobs.filter((j) => j.name.startsWith('deploy'));
      expect(on(await project.listJobs())).toEqual([
        expect.objectContaining({ name: 'deploy', when: 'manual' }),
        expect.objectContaining({ name: 'deploy:staging', when: 'manual' }),
      ]);
      await generate(['--branch', 'release']);
      expect(on(await project.listJobs()).map((j) => j.when)).toEqual(['never', 'never']);
    },
    JOB_TESTS_MS,
  );
});
