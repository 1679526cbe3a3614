import type { Command } from 'commander';
import { parseSecretsFile } from '../kamal/dotenv-model.js';
import { describeScope, isValidName } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { out, warn } from '../term/output.js';
import { readUserFile } from '../term/user-file.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    program
      .command('import')
      .description('import a dotenv file into the current scope')
      .argument('<file>', 'a .env file')
      .option('--overwrite', 'replace secrets that already exist with other values'),
  ).action(async (file: string, opts: ScopeOptions & { overwrite?: boolean }) => {
    const scope = ctx.scope(opts);
    const text = readUserFile(file);
    const { parse: parseDotenv } = await import('dotenv');
    const entries = Object.entries(parseDotenv(text)).filter(([name, value]) => {
      if (!isValidName(name)) warn(`skipping "${name}": not a valid secret name`);
      else if (value === '') warn(`skipping ${name}: its value is empty`);
      else return true;
      return false;
    });
    for (const warning of gemDifferences(text, new Map(entries))) warn(warning);
    const report = await ctx.withSession((s) =>
      s.mutate({ op: 'import', scope, entries, overwrite: Boolean(opts.overwrite) }),
    );
    if (!('created' in report)) return;
    out(`imported ${file} into ${describeScope(scope)}`);
    for (const [label, names] of Object.entries(report))
      if (names.length) out(`  ${label.padEnd(9)} ${names.join(' ')}`);
    if (report.skipped.length) out('  (skipped names exist with other values; use --overwrite to replace them)');
  });
  example(cmd, 'kamal-secret import .env && shred -u .env');
}

/**
 * Values the dotenv gem (`bundle exec dotenv -f .env kamal`, which this import replaces)
 * reads differently from Node's dotenv, which the import uses: `$(…)` commands, `$NAME`
 * references and backslash escapes outside single quotes. Read with the gem's rules,
 * running nothing.
 */
function gemDifferences(text: string, imported: Map<string, string>): string[] {
  const parsed = parseSecretsFile(text, '3.2', {}, () => ({ kind: 'not-run', reason: 'import runs nothing' }));
  const warnings: string[] = [];
  for (const [name, e] of parsed.values) {
    const value = imported.get(name);
    if (value === undefined || e.value === value) continue;
    const fix = `imported as the text; if you relied on the gem's reading, kamal-secret set ${name}`;
    if (e.commands.length) warnings.push(`${name}: the dotenv gem runs the $(…) in its value as a command; ${fix}`);
    else if (e.variables.length)
      warnings.push(`${name}: the dotenv gem expands $${e.variables[0].name} in its value; ${fix}`);
    else warnings.push(`${name}: the dotenv gem removes backslash escapes from its value; ${fix}`);
  }
  return warnings;
}
