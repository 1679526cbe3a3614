import os from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { listDestinations } from '../kamal/deploy-config.js';
import { addMember, joinCode, removeMember } from '../team/team-vault.js';
import {
  type AppTeam,
  appTeam,
  initAppTeam,
  joinAppTeam,
  openAppTeam,
  saveAppTeam,
  shownPath,
} from '../team/workspace.js';
import { dim, json, out, table } from '../term/output.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, ctx: CliContext): void {
  const team = program
    .command('team')
    .description(
      "share an app's secrets with its team through git: .kamal/secrets.vault (see the README's team section)",
    );
  const here = (): AppTeam => appTeam(ctx.cwd);

  example(
    team
      .command('init')
      .description('create the team vault of this app, with you as its first member holding every scope')
      .option('--name <name>', 'your member name (default: your login name)')
      .action(async (opts: { name?: string }) => {
        const app = here();
        const scopes = [app.app, ...listDestinations(app.root).map((d) => `${app.app}/${d}`)];
        const name = opts.name ?? os.userInfo().username;
        const vault = await ctx.withSession((s) => initAppTeam(s, app, name, scopes, new Date()));
        out(
          `created ${shownPath(app, ctx.cwd)} with you (${vault.me}) holding ${vault.readable.join(', ')}; commit it and .gitattributes`,
        );
      }),
    'kamal-secret team init --name alice\ngit add .kamal/secrets.vault .gitattributes && git commit -m "Team vault"',
  );

  example(
    team
      .command('add')
      .description('add a member (default: every scope you hold) and print the command they join with')
      .argument('<name>', 'their member name')
      .argument('<recipient>', 'their age1… recipient (what `kamal-secret identity` prints for them)')
      .option('--scope <scope>', 'a scope they may read (repeat it); default: every scope of the team', collect)
      .option('--json', 'print JSON: {"name","scopes","join_code"}')
      .action(async (name: string, recipient: string, opts: { scope?: string[]; json?: boolean }) => {
        const app = here();
        const vault = await ctx.withSession(async (s) => {
          const added = await addMember(await openAppTeam(s, app), {
            name,
            recipient,
            scopes: opts.scope,
            now: new Date(),
          });
          await saveAppTeam(s, app, added);
          return added;
        });
        const scopes = vault.members.find((m) => m.name === name)!.scopes;
        if (opts.json) return json({ name, scopes, join_code: joinCode(vault) });
        out(
          `added ${name} (${scopes.join(', ')}); push ${shownPath(app, ctx.cwd)}, then give ${name} this command: kamal-secret team join ${joinCode(vault)}`,
        );
      }),
    'kamal-secret team add bob age1… --scope shop --scope shop/staging',
  );

  example(
    team
      .command('join')
      .description('join the team vault a member added you to, with the code they gave you')
      .argument('<code>', 'the join code `team add` printed')
      // A join code is base64url, so one in 64 starts with "-": it must reach the
      // action as the argument, never be read as an option (or as -h).
      .allowUnknownOption()
      .helpOption(false)
      .action(async (code: string, _opts: unknown, cmd: Command) => {
        if (code === '-h' || code === '--help') cmd.help();
        const app = here();
        if (!/^[A-Za-z0-9_-]{43}$/.test(code))
          throw new UsageError(`"${code}" is not a join code (43 characters of A-Z, a-z, 0-9, _ and -)`);
        const vault = await ctx.withSession((s) => joinAppTeam(s, app, code));
        out(`joined the team vault of ${app.app} as ${vault.me}: you can read ${vault.readable.join(', ')}`);
      }),
    'git pull && kamal-secret team join 3q2-…',
  );

  example(
    team
      .command('rm')
      .description('remove a member: fresh keys for what they could read, and the list of secrets to rotate')
      .argument('<name>', 'their member name')
      .option('--json', 'print JSON: {"removed","exposed":[refs],"note"}')
      .action(async (name: string, opts: { json?: boolean }) => {
        const app = here();
        const { exposed } = await ctx.withSession(async (s) => {
          const removed = await removeMember(await openAppTeam(s, app), name, new Date());
          await saveAppTeam(s, app, removed.vault);
          return removed;
        });
        const note = `git history still holds the values ${name} could read: rotate each (a new value at its source, kamal-secret set REF --team, then kamal-secret gitlab sync)`;
        if (opts.json) return json({ removed: name, exposed, note });
        out(`removed ${name}; push ${shownPath(app, ctx.cwd)}`);
        if (exposed.length) {
          out(`${name} could read: ${exposed.join(', ')}`);
          out(note);
        } else out(dim(`${name} could read no secret`));
      }),
    'kamal-secret team rm bob',
  );

  example(
    team
      .command('list')
      .alias('ls')
      .description('list the members and their scopes')
      .option('--json', 'print JSON: [{"name","recipient","scopes"}]')
      .action(async (opts: { json?: boolean }) => {
        const app = here();
        const vault = await ctx.withSession((s) => openAppTeam(s, app));
        if (opts.json) return json(vault.members);
        for (const line of table([
          ['NAME', 'SCOPES', 'RECIPIENT'],
          ...vault.members.map((m) => [
            m.name === vault.me ? `${m.name} (you)` : m.name,
            m.scopes.join(' '),
            m.recipient,
          ]),
        ]))
          out(line);
      }),
    'kamal-secret team list --json',
  );

  for (const cmd of team.commands) cmd.exitOverride();
}
