import type { Command } from 'commander';
import { dim, json, out, table } from '../term/output.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('list')
    .alias('ls')
    .description("list every secret's reference, scope and last update (never values)")
    .option('--json', 'print JSON: [{"ref","scope","name","updated_at"}]')
    .action(async (opts: { json?: boolean }) => {
      const entries = await ctx.withSession((s) => s.list());
      if (opts.json) return json(entries);
      if (entries.length === 0) return out(dim('the vault is empty; add a secret with: kamal-secret set NAME'));
      for (const line of table([
        ['REF', 'SCOPE', 'UPDATED'],
        ...entries.map((e) => [e.ref, e.scope || '(global)', e.updated_at]),
      ]))
        out(line);
    });
  example(cmd, 'kamal-secret list --json');
}
