// Three people share an app's secrets through a real bare git repository, each with
// their own HOME, vault and agent (carol without one: the in-process path), through
// the built CLI. Then someone who can push but is not a member tries each attack of
// docs/team-vault.md §8, and bytes flipped in the file never make `get` print a wrong value.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTeamFile } from '../../src/team/format.js';
import { BIN, type RunResult, runProcess, Sandbox } from '../helpers/cli.js';
import { FastOnlyInstall } from '../helpers/fast-install.js';
import { FakeGitLab } from '../helpers/gitlab-server.js';
import { appendLogAs, forgedSecret, lines, newIdentity, withLine } from '../team/fixtures.js';

const DEPLOY = {
  'config/deploy.yml': 'service: shop\nimage: shop\n',
  'config/deploy.staging.yml': '',
  'config/deploy.production.yml': '',
};
const TEAM = '.kamal/secrets.vault';

class Member {
  readonly box: Sandbox;
  readonly app: string;
  constructor(
    readonly name: string,
    readonly remote: string,
    env: Record<string, string | undefined>,
  ) {
    this.box = new Sandbox(env);
    this.app = this.box.path('app');
  }
  cli(args: string[], input?: string): Promise<RunResult> {
    return this.box.run(args, { cwd: fs.existsSync(this.app) ? this.app : this.box.dir, input });
  }
  async ok(args: string[], input?: string): Promise<string> {
    const r = await this.cli(args, input);
    if (r.code !== 0) throw new Error(`${this.name}: kamal-secret ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }
  async git(...args: string[]): Promise<string> {
    const r = await runProcess(
      'git',
      ['-c', `user.name=${this.name}`, '-c', `user.email=${this.name}@example.test`, ...args],
      {
        cwd: this.app,
        env: { ...this.box.env, GIT_CONFIG_NOSYSTEM: '1' },
      },
    );
    if (r.code !== 0) throw new Error(`${this.name}: git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }
  async clone(): Promise<void> {
    const r = await runProcess('git', ['clone', '-q', this.remote, this.app], { env: this.box.env });
    if (r.code !== 0) throw new Error(r.stderr);
  }
  async commitAndPush(message: string): Promise<void> {
    await this.git('add', '-A');
    await this.git('commit', '-qm', message);
    await this.git('push', '-q', 'origin', 'HEAD:main');
  }
  pull = () => this.git('pull', '-q', '--no-rebase', 'origin', 'main');
  get teamFile() {
    return path.join(this.app, TEAM);
  }
}

describe('the team vault through git, with real agents', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-team-'));
  const remote = path.join(root, 'shop.git');
  const withAgent = { KAMAL_SECRET_NO_AGENT: undefined };
  const alice = new Member('alice', remote, withAgent);
  const bob = new Member('bob', remote, withAgent);
  const carol = new Member('carol', remote, { KAMAL_SECRET_NO_AGENT: '1' });
  const mallory = new Member('mallory', remote, withAgent);
  const everyone = [alice, bob, carol, mallory];

  beforeAll(async () => {
    const r = await runProcess('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    if (r.code !== 0) throw new Error(r.stderr);
    for (const m of everyone) await m.box.init();
    fs.mkdirSync(alice.app);
    await alice.git('init', '-q', '-b', 'main');
    await alice.git('remote', 'add', 'origin', remote);
    for (const [rel, text] of Object.entries(DEPLOY)) alice.box.write({ [`app/${rel}`]: text });
  }, 120_000);

  afterAll(async () => {
    for (const m of everyone) await m.box.cleanup();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('starts with `team init`: the founder holds every scope, and .gitattributes merges the file by union', async () => {
    expect(await alice.ok(['team', 'init', '--name', 'alice'])).toMatch(
      /holding shop, shop\/production, shop\/staging/,
    );
    expect(fs.readFileSync(path.join(alice.app, '.gitattributes'), 'utf8')).toBe(`${TEAM} merge=union\n`);
    await alice.ok(['set', 'shop/production/DATABASE_URL', '--team'], 'postgres://prod');
    await alice.ok(['set', 'shop/staging/DATABASE_URL', '--team'], 'postgres://staging');
    await alice.ok(['set', 'API_KEY', '--team'], 'team-api-key');
    await alice.ok(['set', 'API_KEY'], 'alice-personal-api-key'); // the team's wins in the same scope
    await alice.commitAndPush('Team vault');
    expect(await alice.ok(['get', 'API_KEY'])).toBe('team-api-key\n');
    expect(await alice.ok(['get', 'DATABASE_URL', '-d', 'production'])).toBe('postgres://prod\n');
    expect(JSON.parse(await alice.ok(['team', 'list', '--json']))).toEqual([
      {
        name: 'alice',
        recipient: (await alice.ok(['identity'])).trim(),
        scopes: ['shop', 'shop/production', 'shop/staging'],
      },
    ]);
  });

  it('adds bob kept out of production: he joins with one command and reads staging, never production', async () => {
    const recipient = (await bob.ok(['identity'])).trim();
    expect(recipient).toMatch(/^age1[0-9a-z]+$/);
    const added = await alice.ok(['team', 'add', 'bob', recipient, '--scope', 'shop', '--scope', 'shop/staging']);
    const join = /kamal-secret team join (\S+)/.exec(added)![1];
    await alice.commitAndPush('Add bob');
    await bob.clone();
    expect(await bob.ok(['team', 'join', join])).toBe(
      'joined the team vault of shop as bob: you can read shop, shop/staging\n',
    );
    await bob.ok(['set', 'shop/ONLY_BOB'], 'bob-personal'); // his own vault still answers beside the team's
    expect(await bob.ok(['get', 'DATABASE_URL', '-d', 'staging'])).toBe('postgres://staging\n');
    expect(await bob.ok(['get', 'ONLY_BOB'])).toBe('bob-personal\n');
    const denied = await bob.cli(['get', 'DATABASE_URL', '-d', 'production']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toMatch(/no access to shop\/production/);
    expect(denied.stderr).not.toMatch(/not found/);
    const run = await bob.cli(['run', '-d', 'staging', '--', 'sh', '-c', 'printf %s "$DATABASE_URL $API_KEY"']);
    expect(run.stdout).toBe('postgres://staging team-api-key');
    // The fast paths alone (no full CLI installed) answer from both vaults through the agent.
    const fast = new FastOnlyInstall(path.join(root, 'fast-only'));
    const viaFast = (args: string[]) => fast.run(args, { cwd: bob.app, env: bob.box.env });
    expect((await viaFast(['get', 'DATABASE_URL', '-d', 'staging'])).stdout).toBe('postgres://staging\n');
    expect((await viaFast(['get', 'ONLY_BOB'])).stdout).toBe('bob-personal\n');
    const fastRun = await viaFast(['run', '-d', 'staging', '--', 'sh', '-c', 'printf %s "$DATABASE_URL $ONLY_BOB"']);
    expect(fastRun.stdout).toBe('postgres://staging bob-personal');
    expect(await bob.ok(['fetch', 'DATABASE_URL', '-d', 'staging'])).toContain('postgres://staging');
  });

  it("lets check read bob's team secrets, through the full CLI and its own bundle", async () => {
    bob.box.write({ 'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n` });
    fs.chmodSync(bob.box.path('bin/kamal-secret'), 0o755);
    fs.writeFileSync(
      path.join(bob.app, '.kamal', 'secrets.staging'),
      'DATABASE_URL=$(kamal-secret get DATABASE_URL)\n',
    );
    const env = { ...bob.box.env, PATH: `${bob.box.path('bin')}:${process.env.PATH}` };
    type Finding = { code: string; name: string; message: string; fix: string };
    const failedGets = (r: RunResult) => {
      const findings: Finding[] = JSON.parse(r.stdout).findings;
      const noAccess = findings.filter((f) => f.code === 'command-failed' || f.code === 'no-access');
      // get and run would say "no access", not "not found", and so must check, with the way out
      for (const f of noAccess) {
        expect(f.message).toMatch(/no access to shop\/production in the team vault .*secrets\.vault/);
        expect(f.fix).toMatch(/^you are bob, with shop, shop\/staging; a member who can read shop\/production/);
      }
      return noAccess.map((f) => `${f.code} ${f.name}`).sort();
    };
    fs.writeFileSync(
      path.join(bob.app, '.kamal', 'secrets.production'),
      'DATABASE_URL=$(kamal-secret get DATABASE_URL)\n',
    );
    const fast = new FastOnlyInstall(path.join(root, 'fast-only-check'));
    for (const [dest, failed] of [
      ['staging', []],
      // no access: its get line fails, and run (env mode) would refuse to start
      ['production', ['command-failed DATABASE_URL', 'no-access DATABASE_URL']],
    ] as const) {
      const args = ['check', '--json', '-d', dest];
      // No agent running: the full CLI starts one and reads the vault through it (AgentSession).
      await bob.ok(['agent', 'stop']);
      expect(failedGets(await bob.box.run(args, { cwd: bob.app, env }))).toEqual(failed);
      expect(failedGets(await fast.run(args, { cwd: bob.app, env }))).toEqual(failed);
    }
    for (const dest of ['staging', 'production']) fs.rmSync(path.join(bob.app, '.kamal', `secrets.${dest}`));
  });

  it('adds carol (no agent: the in-process session sees the team vault the same way)', async () => {
    const recipient = (await carol.ok(['identity'])).trim();
    const added = JSON.parse(await alice.ok(['team', 'add', 'carol', recipient, '--json']));
    expect(added.scopes).toEqual(['shop', 'shop/production', 'shop/staging']);
    await alice.commitAndPush('Add carol');
    await carol.clone();
    await carol.ok(['team', 'join', added.join_code]);
    expect(await carol.ok(['get', 'DATABASE_URL', '-d', 'production'])).toBe('postgres://prod\n');
    expect(await carol.ok(['export', '-d', 'production', '--format', 'dotenv'])).toMatch(/API_KEY/);
    const gitlab = await new FakeGitLab().start();
    try {
      const r = await carol.box.run(['gitlab', 'sync', '--project', 'group/app', '-d', 'production', '--json'], {
        cwd: carol.app,
        env: { GITLAB_URL: gitlab.url, GITLAB_TOKEN: 'good-token' },
      });
      expect(r.stderr).toBe('');
      expect(gitlab.vars.find((v) => v.key === 'DATABASE_URL')?.value).toBe('postgres://prod');
      expect(r.stdout).not.toContain('postgres://prod');
    } finally {
      await gitlab.stop();
    }
  });

  it('merges two members adding different secrets on two branches, without a conflict', async () => {
    await bob.pull();
    await bob.ok(['set', 'shop/staging/FROM_BOB', '--team'], 'bob-wrote-this');
    await bob.commitAndPush('bob: FROM_BOB');
    await carol.ok(['set', 'shop/staging/FROM_CAROL', '--team'], 'carol-wrote-this');
    await carol.git('add', '-A');
    await carol.git('commit', '-qm', 'carol: FROM_CAROL');
    await carol.pull(); // a merge of parallel changes
    await carol.git('push', '-q', 'origin', 'HEAD:main');
    await alice.pull();
    expect(await alice.ok(['get', 'FROM_BOB', '-d', 'staging'])).toBe('bob-wrote-this\n');
    expect(await alice.ok(['get', 'FROM_CAROL', '-d', 'staging'])).toBe('carol-wrote-this\n');
  });

  it('removes bob: prints what he could read; a value set afterwards is unreadable to him after a pull, his own vault still answers', async () => {
    const removed = JSON.parse(await alice.ok(['team', 'rm', 'bob', '--json']));
    expect(removed.exposed).toEqual(
      expect.arrayContaining(['shop/API_KEY', 'shop/staging/DATABASE_URL', 'shop/staging/FROM_BOB']),
    );
    expect(removed.exposed).not.toContain('shop/production/DATABASE_URL');
    expect(removed.note).toMatch(/git history/);
    await alice.ok(['set', 'shop/staging/DATABASE_URL', '--team'], 'postgres://rotated');
    await alice.commitAndPush('Remove bob, rotate');
    await bob.pull();
    const r = await bob.cli(['get', 'DATABASE_URL', '-d', 'staging']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/you were removed from the team vault .*secrets\.vault by alice/);
    // His own vault is still his, in the app too, through the agent and without it.
    for (const env of [{}, { KAMAL_SECRET_NO_AGENT: '1' }]) {
      const own = await bob.box.run(['get', 'ONLY_BOB'], { cwd: bob.app, env });
      expect({ code: own.code, stdout: own.stdout, stderr: own.stderr }).toEqual({
        code: 0,
        stdout: 'bob-personal\n',
        stderr: '',
      });
      const team = await bob.box.run(['get', 'FROM_BOB', '-d', 'staging'], { cwd: bob.app, env });
      expect(team.code).toBe(1);
      expect(team.stderr).toMatch(/^kamal-secret: shop\/staging\/FROM_BOB: you were removed from the team vault/);
      // run would hand his own values where the team's won: it refuses, before starting anything
      const run = await bob.box.run(['run', '-d', 'staging', '--', 'sh', '-c', 'echo started'], { cwd: bob.app, env });
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 1, stdout: '' });
      expect(run.stderr).toMatch(/you were removed from the team vault .* by alice/);
    }
    expect(fs.readFileSync(bob.teamFile, 'utf8')).not.toContain('postgres://rotated');
    await carol.pull();
    expect(await carol.ok(['get', 'DATABASE_URL', '-d', 'staging'])).toBe('postgres://rotated\n');
  });

  describe('someone who can push but is not a member', () => {
    let good: string;
    beforeAll(async () => {
      await mallory.clone();
      good = fs.readFileSync(mallory.teamFile, 'utf8');
    });

    /** mallory pushes `text` as the team file; alice pulls; her get must refuse it, naming the file; then the good file returns. */
    async function refusedForAlice(text: string, message: RegExp): Promise<void> {
      fs.writeFileSync(mallory.teamFile, text);
      await mallory.commitAndPush('innocent change');
      await alice.pull();
      const r = await alice.cli(['get', 'DATABASE_URL', '-d', 'production']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/secrets\.vault/);
      expect(r.stderr).toMatch(message);
      fs.writeFileSync(mallory.teamFile, good);
      await mallory.commitAndPush('revert');
      await alice.pull();
      expect(await alice.ok(['get', 'DATABASE_URL', '-d', 'production'])).toBe('postgres://prod\n');
    }

    it('is told, on a get of a team secret, that they have not joined: never "not found" nor a value', async () => {
      for (const env of [{}, { KAMAL_SECRET_NO_AGENT: '1' }]) {
        const r = await mallory.box.run(['get', 'DATABASE_URL', '-d', 'production'], { cwd: mallory.app, env });
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/shop\/production\/DATABASE_URL is in the team vault .*, which you have not joined/);
      }
    });

    it('is told the same by check, on a get line of a team secret: not "finds no DATABASE_URL"', async () => {
      mallory.box.write({ 'bin/kamal-secret': `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n` });
      fs.chmodSync(mallory.box.path('bin/kamal-secret'), 0o755);
      const secrets = path.join(mallory.app, '.kamal', 'secrets.production');
      fs.writeFileSync(secrets, 'DATABASE_URL=$(kamal-secret get DATABASE_URL)\n');
      const PATH = `${mallory.box.path('bin')}:${process.env.PATH}`;
      try {
        for (const env of [{ PATH }, { PATH, KAMAL_SECRET_NO_AGENT: '1' }]) {
          const r = await mallory.box.run(['check', '--json', '-d', 'production'], { cwd: mallory.app, env });
          const failed = JSON.parse(r.stdout).findings.filter((f: { code: string }) => f.code === 'command-failed');
          expect(failed).toEqual([
            expect.objectContaining({
              name: 'DATABASE_URL',
              message: expect.stringMatching(
                /is refused: shop\/production\/DATABASE_URL is in the team vault .*, which you have not joined/,
              ),
              fix: expect.stringContaining('kamal-secret identity'),
            }),
          ]);
        }
      } finally {
        fs.rmSync(secrets);
      }
    });

    it('cannot join with a code of their own: one that starts with "-" is read as a code, not an option', async () => {
      // One join code in 64 starts with "-" (base64url), one in 4096 with "-h".
      for (const code of [`-N${'v'.repeat(41)}`, `-h${'v'.repeat(41)}`]) {
        const r = await mallory.cli(['team', 'join', code]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/does not contain the member change your join code names/);
      }
    });

    it('cannot push a value of their choosing, signed with their own key or in a member’s name', async () => {
      const eve = await newIdentity();
      const { team } = parseTeamFile(good).header.record;
      const at = lines(good).findIndex((l) => l.includes('"secret":"shop/production/DATABASE_URL"'));
      const epoch = JSON.parse(lines(good)[at]).epoch;
      const forged = await forgedSecret(eve, team, 'alice', 'shop/production/DATABASE_URL', epoch, 'postgres://evil');
      await refusedForAlice(withLine(good, at, forged), /valid signature of alice/);
    });

    it('cannot add themselves', async () => {
      const eve = await newIdentity();
      const forged = await appendLogAs(good, eve, {
        kind: 'add',
        by: 'alice',
        at: new Date().toISOString(),
        member: { name: 'eve', recipient: eve.recipient, scopes: ['shop'] },
        keys: [],
        grants: [],
      } as never);
      await refusedForAlice(forged, /valid signature of alice/);
    });

    it('cannot move a value to another scope', async () => {
      const at = lines(good).findIndex((l) => l.includes('"secret":"shop/staging/DATABASE_URL"'));
      const prodAt = lines(good).findIndex((l) => l.includes('"secret":"shop/production/DATABASE_URL"'));
      const moved = lines(good)[at].replace('shop/staging/DATABASE_URL', 'shop/production/DATABASE_URL');
      await refusedForAlice(withLine(good, prodAt, moved), /line \d+ \(shop\/production\/DATABASE_URL, by alice\)/);
    });

    it('cannot swap in a whole team vault of their own making', async () => {
      fs.rmSync(mallory.teamFile);
      await mallory.ok(['team', 'init', '--name', 'alice']);
      await mallory.ok(['set', 'shop/production/DATABASE_URL', '--team'], 'postgres://evil');
      await mallory.ok(['team', 'add', 'carol', (await carol.ok(['identity'])).trim()]);
      await refusedForAlice(fs.readFileSync(mallory.teamFile, 'utf8'), /another team's file/);
    });

    it('flips bytes across the file: get prints the right value or refuses, never another value', async () => {
      const bytes = Buffer.from(good);
      const step = Math.max(1, Math.floor(bytes.length / 24));
      for (let i = 3; i < bytes.length; i += step) {
        const flipped = Buffer.from(bytes);
        flipped[i] ^= 0x04;
        fs.writeFileSync(alice.teamFile, flipped);
        const r = await alice.cli(['get', 'DATABASE_URL', '-d', 'production']);
        if (r.code === 0) expect(r.stdout).toBe('postgres://prod\n');
        else expect(r.stderr).toMatch(/secrets\.vault/);
      }
      fs.writeFileSync(alice.teamFile, good);
    });
  });
});
