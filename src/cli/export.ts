import type { Command } from 'commander';
import { Option } from 'commander';
import { scopeChain } from '../vault/refs.js';
import type { Found } from '../vault/secrets.js';
import { example, scopeOptions } from './options.js';
import { json, out } from './output.js';
import { resolveScope, type ScopeOptions } from './scope.js';
import { withSession } from './session.js';

export function register(program: Command): void {
  const cmd = scopeOptions(
    program
      .command('export')
      .description('print the secrets visible in the current scope (inner scopes win)')
      .addOption(new Option('--format <format>', 'output format; gitlab: the variables gitlab sync would create').choices(['dotenv', 'json', 'gitlab']).default('dotenv')),
  ).action(async (opts: ScopeOptions & { format: string }) => {
    const scope = resolveScope(opts);
    if (opts.format === 'gitlab') return json(await withSession(async (s) => (await import('./gitlab.js')).variablesToSend(s, scope)));
    const secrets = await withSession((s) => s.visible(scopeChain(scope)));
    if (opts.format === 'json') return json(valuesOf(secrets));
    for (const [name, { value }] of secrets) out(`${name}=${dotenvQuote(value)}`);
  });
  example(cmd, 'kamal-secret export --format json -d production\nkamal-secret export --format gitlab > variables.json');
}

export const valuesOf = (secrets: Map<string, Found>) => Object.fromEntries([...secrets].map(([name, f]) => [name, f.value]));

/**
 * Quote a value so that both the dotenv gem and Node's dotenv read it back as is:
 * single quotes (literal) when possible, else double quotes with `\`, `"` and `$` escaped.
 */
export function dotenvQuote(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}
