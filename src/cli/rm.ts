import type { Command } from 'commander';
import { formatRef, parseRef } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { out } from '../term/output.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const rm = scopeOptions(
    program
      .command('rm')
      .description('remove a secret from exactly the scope given or defaulted')
      .argument('<ref>', 'NAME, APP/NAME or APP/DESTINATION/NAME'),
  ).action(async (refText: string, opts: ScopeOptions) => {
    const ref = formatRef(parseRef(refText, ctx.scope(opts)));
    await ctx.withSession((s) => s.mutate({ op: 'rm', ref }));
    out(`removed ${ref}`);
  });
  example(rm, 'kamal-secret rm shop/staging/DATABASE_URL');

  const mv = scopeOptions(
    program
      .command('mv')
      .description('rename a secret or move it to another scope')
      .argument('<ref>', 'the secret to move')
      .argument('<new-ref>', 'its new reference'),
  ).action(async (fromText: string, toText: string, opts: ScopeOptions) => {
    const scope = ctx.scope(opts);
    const from = formatRef(parseRef(fromText, scope));
    const to = formatRef(parseRef(toText, scope));
    await ctx.withSession((s) => s.mutate({ op: 'mv', from, to }));
    out(`moved ${from} to ${to}`);
  });
  example(mv, 'kamal-secret mv DATABASE_URL shop/production/DATABASE_URL');
}
