import type { Command } from 'commander';
import { UsageError, UserError } from '../errors.js';
import { commandLineRef, describeScope, formatRef, parseRef, type Ref } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { canAsk, confirm } from '../term/confirm.js';
import { out } from '../term/output.js';
import type { Listed } from '../vault/secrets.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

const REF_HELP = 'NAME (in the default scope), :NAME (global), APP/NAME or APP/DESTINATION/NAME';

export function register(program: Command, ctx: CliContext): void {
  const rm = scopeOptions(
    program
      .command('rm')
      .description('remove a secret from exactly the scope given or defaulted (asks first on a terminal)')
      .argument('<ref>', REF_HELP)
      .option('-y, --yes', 'remove without asking, also on a terminal'),
  ).action(async (refText: string, opts: ScopeOptions & { yes?: boolean }) => {
    const ref = parseRef(refText, ctx.scope(opts));
    const text = formatRef(ref);
    const ask = !opts.yes && canAsk(ctx.config.useTerminal);
    await ctx.withSession(async (s) => {
      const entries = await s.list();
      if (!entries.some((e) => e.ref === text)) throw notInScope(ref, entries, (other) => `kamal-secret rm ${other}`);
      if (ask && !(await confirm(`Remove ${text}?`)))
        throw new UserError(`${text} was not removed`, { code: 'cancelled' });
      await s.mutate({ op: 'rm', ref: text });
    });
    out(`removed ${text}`);
  });
  example(
    rm,
    'kamal-secret rm shop/staging/DATABASE_URL\nkamal-secret rm :REGISTRY_PASSWORD   # the global one, also inside an app\nkamal-secret rm --yes OLD_TOKEN   # in a script run from a terminal',
  );

  const mv = scopeOptions(
    program
      .command('mv')
      .description('rename a secret or move it to another scope')
      .argument('<ref>', `the secret to move: ${REF_HELP}`)
      .argument('<new-ref>', 'its new reference, in the same forms'),
  ).action(async (fromText: string, toText: string, opts: ScopeOptions) => {
    const scope = ctx.scope(opts);
    const from = parseRef(fromText, scope);
    const to = parseRef(toText, scope);
    if (formatRef(from) === formatRef(to))
      throw new UsageError(
        `${fromText} and ${toText} are the same secret, ${formatRef(to)}`,
        `a bare NAME is in ${describeScope(scope)} on both sides; write :${to.name} for the global scope, or APP/NAME`,
      );
    await ctx.withSession(async (s) => {
      const entries = await s.list();
      if (!entries.some((e) => e.ref === formatRef(from)))
        throw notInScope(from, entries, (other) => `kamal-secret mv ${other} ${commandLineRef(to)}`);
      if (entries.some((e) => e.ref === formatRef(to)))
        throw new UserError(`${commandLineRef(to)} already exists`, {
          code: 'exists',
          fix: `remove it first: kamal-secret rm ${commandLineRef(to)}`,
        });
      await s.mutate({ op: 'mv', from: formatRef(from), to: formatRef(to) });
    });
    out(`moved ${formatRef(from)} to ${formatRef(to)}`);
  });
  example(
    mv,
    'kamal-secret mv DATABASE_URL shop/production/DATABASE_URL\nkamal-secret mv shop/REGISTRY_PASSWORD :REGISTRY_PASSWORD   # into the global scope',
  );
}

/** `ref` is not in its scope: name the scopes that do hold that name, in the form to type. */
function notInScope(ref: Ref, entries: Listed[], command: (other: string) => string): UserError {
  const elsewhere = entries.filter((e) => e.name === ref.name).map(commandLineRef);
  return new UserError(`${ref.name} does not exist in ${describeScope(ref.scope)}`, {
    code: 'not_found',
    fix: elsewhere.length ? `it exists as ${elsewhere.join(', ')}: ${command(elsewhere[0])}` : 'see: kamal-secret list',
  });
}
