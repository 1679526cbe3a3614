import type { Command } from 'commander';
import { describeScope } from '../vault/refs.js';
import { example } from './options.js';
import { dim, json, out, table } from './output.js';
import { withSession } from './session.js';

export function register(program: Command): void {
  const cmd = program
    .command('list')
    .alias('ls')
    .description("list every secret's reference, scope and last update (never values)")
    .option('--json', 'print JSON: [{"ref","scope","name","updated_at"}]')
    .action(async (opts: { json?: boolean }) => {
      const entries = await withSession((s) => s.list());
      if (opts.json) return json(entries);
      if (entries.length === 0) return out(dim('the vault is empty; add a secret with: kamal-secret set NAME'));
      for (const line of table([
        ['REF', 'SCOPE', 'UPDATED'],
        ...entries.map((e) => [e.ref, describeScope(e.scope), e.updated_at]),
      ]))
        out(line);
    });
  example(cmd, 'kamal-secret list --json');
}
