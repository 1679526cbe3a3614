import fs from 'node:fs';
import type { Command } from 'commander';
import { parseSecretsFile, shellEscape } from '../kamal/dotenv-model.js';
import { registryCredentialNames } from '../kamal/used-names.js';
import { describeScope, isValidName } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { canAsk, confirm } from '../term/confirm.js';
import { out, warn } from '../term/output.js';
import { readUserFile } from '../term/user-file.js';
import type { ImportReport } from '../vault/secrets.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    program
      .command('import')
      .description(
        'import a dotenv file into the current scope (registry credentials into the global scope), then offer to delete it',
      )
      .argument('<file>', 'a .env file')
      .option('--overwrite', 'replace secrets that already exist with other values'),
  ).action(async (file: string, opts: ScopeOptions & { overwrite?: boolean }) => {
    const scope = ctx.scope(opts);
    const { entries, invalid } = await readEntries(file);
    // One registry password serves every app: it goes to the global scope, unless --scope names one.
    const registry =
      scope === '' || opts.scope !== undefined ? new Set() : registryCredentialNames(ctx.app?.root ?? null);
    const parts = [
      {
        heading: `imported ${file} into ${describeScope(scope)}`,
        scope,
        entries: entries.filter(([n]) => !registry.has(n)),
      },
      {
        heading: 'registry credentials, into the global scope, where every app finds them',
        scope: '',
        entries: entries.filter(([n]) => registry.has(n)),
      },
    ].filter((part, i) => i === 0 || part.entries.length);
    const reports = await ctx.withSession(async (s) => {
      const done: ImportReport[] = [];
      for (const { scope, entries } of parts) {
        const report = await s.mutate({ op: 'import', scope, entries, overwrite: Boolean(opts.overwrite) });
        if ('created' in report) done.push(report);
      }
      return done;
    });
    reports.forEach((report, i) => {
      out(parts[i].heading);
      for (const [label, names] of Object.entries(report))
        if (names.length) out(`  ${label.padEnd(9)} ${names.join(' ')}`);
    });
    const skipped = reports.flatMap((r) => r.skipped);
    if (skipped.length) out('  (skipped names exist with other values; use --overwrite to replace them)');
    await offerToDelete(file, [...invalid, ...skipped], ctx.config.useTerminal);
  });
  example(cmd, 'kamal-secret import .env\nkamal-secret import .env.production -d production');
}

/** The file's secrets, saying which are skipped and where the dotenv gem would read a value otherwise. */
async function readEntries(file: string): Promise<{ entries: [string, string][]; invalid: string[] }> {
  const text = readUserFile(file);
  const { parse: parseDotenv } = await import('dotenv');
  const invalid: string[] = [];
  const entries = Object.entries(parseDotenv(text)).filter(([name, value]) => {
    if (!isValidName(name)) {
      warn(`skipping "${name}": not a valid secret name`);
      invalid.push(name);
    } else if (value === '') warn(`skipping ${name}: its value is empty`);
    else return true;
    return false;
  });
  // dotenv reads into a plain object, where __proto__ sets the prototype: the line is lost without a word.
  if (/^[ \t]*(?:export[ \t]+)?__proto__[ \t]*[=:]/m.test(text)) {
    warn('skipping __proto__: the dotenv parser cannot read that name; store it with: kamal-secret set __proto__');
    invalid.push('__proto__');
  }
  for (const warning of gemDifferences(text, new Map(entries))) warn(warning);
  return { entries, invalid };
}

/** The file holds the secrets in plaintext: once all are in the vault, offer to delete it; never keep it silently. */
async function offerToDelete(file: string, notImported: string[], useTerminal: boolean): Promise<void> {
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return; // /dev/stdin, a pipe: nothing stays behind
  const rm = `rm ${shellEscape(file)}`;
  if (notImported.length)
    return warn(
      `${file} still holds secrets in plaintext, and ${notImported.join(' ')} are not in the vault from it; once they are, delete it: ${rm}`,
    );
  if (canAsk(useTerminal) && (await confirm(`Delete ${file}? Every secret in it is in the vault now`))) {
    fs.rmSync(file);
    return out(`deleted ${file}`);
  }
  warn(`${file} still holds these secrets in plaintext; delete it: ${rm}`);
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
