// The team vault merged by real git: two members' branches, with and without the
// .gitattributes line `team init` writes. (GIT_BIN overrides the git found on PATH.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GITATTRIBUTES_LINE, TEAM_VAULT_PATH } from '../../src/team/format.js';
import { lookupTeamSecret, setTeamSecret, type TeamVault } from '../../src/team/team-vault.js';
import { now, open, smallTeam, text } from './fixtures.js';
import { expectRefused } from './refused.js';

const GIT = process.env.GIT_BIN ?? 'git';
let haveGit = true;
try {
  execFileSync(GIT, ['--version'], { stdio: 'ignore' });
} catch {
  haveGit = false;
}

describe.skipIf(!haveGit)(`the team vault merged by git${haveGit ? '' : ` (skipped: ${GIT} not found)`}`, () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync(GIT, args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  const vaultPath = () => path.join(repo, TEAM_VAULT_PATH);
  const commit = (vault: TeamVault, message: string) => {
    fs.writeFileSync(vaultPath(), text(vault));
    git('commit', '-qam', message);
  };
  /** main with the team; branch a (alice adds FROM_A) and b (carol adds FROM_B), then b merged into a. */
  async function parallelAdds(attributes: boolean) {
    const team = await smallTeam();
    fs.mkdirSync(path.dirname(vaultPath()), { recursive: true });
    if (attributes) fs.writeFileSync(path.join(repo, '.gitattributes'), `${GITATTRIBUTES_LINE}\n`);
    fs.writeFileSync(vaultPath(), text(team.vault));
    git('add', '-A');
    git('commit', '-qm', 'team');
    git('checkout', '-qb', 'b');
    const asCarol = await open(text(team.vault), team.carol, { memory: team.memory });
    commit((await setTeamSecret(asCarol, 'shop', 'FROM_B', 'b', now)).vault, 'b');
    git('checkout', '-qb', 'a', 'main');
    commit((await setTeamSecret(team.vault, 'shop', 'FROM_A', 'a', now)).vault, 'a');
    return team;
  }

  beforeEach(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-git-'));
    git('init', '-q', '-b', 'main');
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('with merge=union, keeps two secrets added side by side on two branches', async () => {
    const { carol, memory } = await parallelAdds(true);
    git('merge', '-q', '--no-edit', 'b');
    const merged = await open(fs.readFileSync(vaultPath(), 'utf8'), carol, { memory });
    expect(lookupTeamSecret(merged, 'shop', 'FROM_A')).toMatchObject({ value: 'a', by: 'alice' });
    expect(lookupTeamSecret(merged, 'shop', 'FROM_B')).toMatchObject({ value: 'b', by: 'carol' });
  });

  it('without it, git stops on the same change, and the conflict markers are refused', async () => {
    const { carol, memory } = await parallelAdds(false);
    expect(() => git('merge', '-q', '--no-edit', 'b')).toThrow();
    await expectRefused(open(fs.readFileSync(vaultPath(), 'utf8'), carol, { memory }), /merge conflict marker/);
  });

  it('with merge=union, one secret changed on both branches is refused, never picked', async () => {
    const team = await parallelAdds(true);
    git('checkout', '-q', 'b');
    const asCarol = await open(fs.readFileSync(vaultPath(), 'utf8'), team.carol, { memory: team.memory });
    commit((await setTeamSecret(asCarol, 'shop', 'RAILS_MASTER_KEY', 'from b', now)).vault, 'b2');
    git('checkout', '-q', 'a');
    const asAlice = await open(fs.readFileSync(vaultPath(), 'utf8'), team.alice, { memory: team.memory });
    commit((await setTeamSecret(asAlice, 'shop', 'RAILS_MASTER_KEY', 'from a', now)).vault, 'a2');
    git('merge', '-q', '--no-edit', 'b');
    await expectRefused(
      open(fs.readFileSync(vaultPath(), 'utf8'), team.carol, { memory: team.memory }),
      /shop\/RAILS_MASTER_KEY is there twice/,
    );
  });
});
