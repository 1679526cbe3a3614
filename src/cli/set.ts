import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { UsageError, UserError } from '../errors.js';
import { gitlabCiFileAround } from '../gitlab/in-use.js';
import { maskability } from '../gitlab/masking.js';
import { namesTheAppUses } from '../kamal/used-names.js';
import type { KamalApp } from '../light/app.js';
import { formatRef, parseRef, type Ref, scopeChain } from '../light/refs.js';
import type { ScopeOptions } from '../light/scope.js';
import { storedValue, textOf } from '../light/secret-value.js';
import { kamalValueRisks } from '../light/value-risks.js';
import { setTeamSecret } from '../team/team-vault.js';
import { appTeam, changeAppTeam, shownPath } from '../team/workspace.js';
import { out, warn } from '../term/output.js';
import { promptHidden } from '../term/prompt.js';
import { readStdinAll } from '../term/stdin.js';
import { readUserFileBytes } from '../term/user-file.js';
import type { VaultSession } from '../vault/session.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

interface SetOptions extends ScopeOptions {
  team?: boolean;
  file?: string;
  generate?: string | boolean;
  force?: boolean;
  gitlab?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = scopeOptions(
    program
      .command('set')
      .description(
        'store a secret: from piped stdin, a hidden prompt, a file, or generated (never from the command line)',
      )
      .argument('<ref>', 'NAME, :NAME (global), APP/NAME or APP/DESTINATION/NAME')
      .argument('[value...]', '(refused: a value on the command line leaks into ps and shell history)')
      .option('--file <path>', 'read the value from a file, byte for byte')
      .option('--generate [length]', 'generate a random URL-safe value (default 32 characters)')
      .option('--force', 'let --generate replace a value that is already stored')
      .option('--gitlab', 'warn when GitLab cannot mask the value, also where GitLab seems not in use')
      .option('--team', "store it in the app's team vault (.kamal/secrets.vault), for every member of its scope"),
  ).action(async (refText: string, extra: string[], opts: SetOptions) => {
    if (extra.length)
      throw new UsageError(
        'refusing a secret value on the command line (it would show in ps and shell history); pipe it on stdin, or use --file or --generate',
      );
    const ref = parseRef(refText, ctx.scope(opts));
    const stored = storedValue(await readValue(opts, formatRef(ref), ctx.config.useTerminal));
    const value = textOf(stored);
    if (opts.team) return setInTeam(ctx, ref, value);
    const mask = value === null ? null : maskability(value);
    const { result, warnUnmaskable } = await ctx.withSession(async (s) => {
      // A value typed, piped or read from a file is the one the user means to store; a generated one
      // replacing a stored secret is more likely a slip (a re-run setup script), so it needs --force.
      if (opts.generate !== undefined && !opts.force && (await s.lookup(ref.name, [ref.scope])))
        throw new UserError(`${formatRef(ref)} already holds a value; --generate would replace it`, {
          code: 'exists',
          fix: 'add --force to replace it',
        });
      return {
        result: await s.mutate({ op: 'set', ref: formatRef(ref), ...stored }),
        warnUnmaskable: mask !== null && !mask.maskable && (opts.gitlab || (await usesGitLab(ctx, s, ref.scope))),
      };
    });
    if ('action' in result) out(`${result.action} ${result.ref}`);
    if (value === null) {
      warn(
        `${formatRef(ref)} holds binary data: kamal-secret get writes it byte for byte, but it cannot be an environment variable, exported or synced to GitLab`,
      );
      return;
    }
    const risks = kamalValueRisks(value);
    if (risks.length && kamalReads(ref.name, ctx.app))
      for (const risk of risks) warn(`${formatRef(ref)} ${risk.message}`);
    if (mask && !mask.maskable && warnUnmaskable)
      warn(`${formatRef(ref)} cannot be a masked GitLab variable: ${mask.reason}`);
  });
  example(
    cmd,
    'kamal-secret set RAILS_MASTER_KEY --file config/master.key\nop read op://vault/db/url | kamal-secret set shop/production/DATABASE_URL\nkamal-secret set SECRET_KEY_BASE --generate 64',
  );
}

/** GitLab is in use: a token is configured (GITLAB_TOKEN, or the vault's in scope), or a .gitlab-ci.yml is around. */
async function setInTeam(ctx: CliContext, ref: Ref, value: string | null): Promise<void> {
  if (value === null)
    throw new UsageError(
      `the team vault holds text only; ${formatRef(ref)} would be binary data`,
      'store it as text: base64 FILE | kamal-secret set REF --team',
    );
  const app = appTeam(ctx.cwd);
  const created = await ctx.withSession((s) =>
    changeAppTeam(s, app, async (vault) => {
      const r = await setTeamSecret(vault, ref.scope, ref.name, value, new Date());
      return { vault: r.vault, result: r.created };
    }),
  );
  out(`${created ? 'created' : 'updated'} ${formatRef(ref)} in ${shownPath(app, ctx.cwd)}`);
}

async function usesGitLab(ctx: CliContext, s: VaultSession, scope: string): Promise<boolean> {
  return (
    ctx.config.gitlabToken !== undefined ||
    gitlabCiFileAround(ctx.cwd) ||
    (await s.lookup('GITLAB_TOKEN', scopeChain(scope))) !== null
  );
}

/** Whether Kamal may read `name`: `app` (around the working directory) uses it, or there is no app (or config) to ask. */
function kamalReads(name: string, app: KamalApp | null): boolean {
  return !app || (namesTheAppUses(app.root)?.has(name) ?? true);
}

async function readValue(opts: SetOptions, ref: string, useTerminal: boolean): Promise<string | Buffer> {
  if (opts.file !== undefined && opts.generate !== undefined)
    throw new UsageError('use either --file or --generate, not both');
  let value: string | Buffer;
  if (opts.file !== undefined) {
    value = readUserFileBytes(opts.file);
  } else if (opts.generate !== undefined) {
    value = generate(opts.generate === true ? 32 : Number(opts.generate));
  } else if (!process.stdin.isTTY) {
    value = (await readStdinAll()).replace(/\r?\n$/, '');
  } else {
    const typed = await promptHidden(`Value for ${ref}:`, useTerminal);
    if (typed === null) throw new UserError('no value: pipe it on stdin, or use --file or --generate');
    value = typed;
  }
  if (value.length === 0) throw new UserError(`the value for ${ref} is empty; nothing was stored`);
  return value;
}

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `length` characters drawn uniformly from the URL-safe alphabet (64 symbols: no modulo bias). */
function generate(length: number): string {
  if (!Number.isInteger(length) || length < 8 || length > 4096)
    throw new UsageError('--generate takes a length from 8 to 4096');
  return [...randomBytes(length)].map((b) => URL_SAFE[b & 63]).join('');
}
