import type { Command } from 'commander';
import { UserError } from '../errors.js';
import { formatRef, parseRef } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { canAsk, confirm } from '../term/confirm.js';
import { out } from '../term/output.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const rm = scopeOptions(
    program
      .command('rm')
      .description('remove a secret from exactly the scope given or defaulted (asks first on a terminal)')
      .argument('<ref>', 'NAME, APP/NAME or APP/DESTINATION/NAME')
      .option('-y, --yes', 'remove without asking, also on a terminal'),
  ).action(async (refText: string, opts: ScopeOptions & { yes?: boolean }) => {
    const ref = parseRef(refText, ctx.scope(opts));
    const text = formatRef(ref);
    const ask = !opts.yes && canAsk(ctx.config.useTerminal);
    await ctx.withSession(async (s) => {
      if (ask && (await s.lookup(ref.name, [ref.scope])) && !(await confirm(`Remove ${text}?`)))
        throw new UserError(`${text} was not removed`, { code: 'cancelled' });
      await s.mutate({ op: 'rm', ref: text });
    });
    out(`removed ${text}`);
  });
  example(
    rm,
    'kamal-secret rm shop/staging/DATABASE_URL\nkamal-secret rm --yes OLD_TOKEN   # in a script run from a terminal',
  );

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
