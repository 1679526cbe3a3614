import type { Command } from 'commander';
import { parseIdentity } from '../team/identity.js';
import { out } from '../term/output.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('identity')
    .description('print your team recipient (age1…): give it to a member of a team vault so they can add you')
    .action(async () => {
      const identity = await ctx.withSession((s) => s.identity());
      out((await parseIdentity(identity)).recipient);
    });
  example(cmd, 'kamal-secret identity   # then a member runs: kamal-secret team add YOUR_NAME age1…');
}
