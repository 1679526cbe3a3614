import type { Command } from 'commander';
import { readUserFile } from './read-file.js';
import { describeScope, isValidName } from '../vault/refs.js';
import { example, scopeOptions } from './options.js';
import { out, warn } from './output.js';
import { resolveScope, type ScopeOptions } from './scope.js';
import { withSession } from './session.js';

export function register(program: Command): void {
  const cmd = scopeOptions(
    program
      .command('import')
      .description('import a dotenv file into the current scope')
      .argument('<file>', 'a .env file')
      .option('--overwrite', 'replace secrets that already exist with other values'),
  ).action(async (file: string, opts: ScopeOptions & { overwrite?: boolean }) => {
    const scope = resolveScope(opts);
    const text = readUserFile(file);
    const { parse: parseDotenv } = await import('dotenv');
    const entries = Object.entries(parseDotenv(text)).filter(([name, value]) => {
      if (!isValidName(name)) warn(`skipping "${name}": not a valid secret name`);
      else if (value === '') warn(`skipping ${name}: its value is empty`);
      else return true;
      return false;
    });
    const report = await withSession((s) => s.mutate({ op: 'import', scope, entries, overwrite: Boolean(opts.overwrite) }));
    if (!('created' in report)) return;
    out(`imported ${file} into ${describeScope(scope)}`);
    for (const [label, names] of Object.entries(report)) if (names.length) out(`  ${label.padEnd(9)} ${names.join(' ')}`);
    if (report.skipped.length) out('  (skipped names exist with other values; use --overwrite to replace them)');
  });
  example(cmd, 'kamal-secret import .env && shred -u .env');
}
