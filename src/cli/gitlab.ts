import { type Command, Option } from 'commander';
import { UserError } from '../errors.js';
import type { DockerAccess } from '../gitlab/ci-template.js';
import type { SyncProgress, SyncResult } from '../gitlab/sync.js';
import type { ScopeOptions } from '../light/scope.js';
import { json, out, table, warn } from '../term/output.js';
import type { CliContext } from './context.js';
import { type SelectionFlags, selection, selectionOptions } from './gitlab-selection.js';
import { example, scopeOptions } from './options.js';

interface SyncFlags extends ScopeOptions, SelectionFlags {
  project?: string;
  group?: string;
  prune?: boolean;
  pruneAll?: boolean;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  const gitlab = program.command('gitlab').description('GitLab CI/CD variables from the vault');
  const sync = scopeOptions(
    selectionOptions(
      gitlab
        .command('sync')
        .description('create or update CI/CD variables from the vault, masked wherever GitLab allows')
        .option('--project <id|path>', 'numeric id or group/path (default: the origin remote)')
        .option('--group <id>', 'sync group variables instead'),
    )
      .option('--prune', 'delete variables kamal-secret created that are no longer in the vault')
      .option('--prune-all', 'delete every variable in the synced scopes that is not in the vault')
      .option('--dry-run', 'show the plan, change nothing')
      .option('--force', 'overwrite hidden variables, whose values cannot be compared')
      .option('--json', 'print {"project", "plan", "failed"} as JSON'),
  ).action(async (flags: SyncFlags) => {
    const scope = ctx.scope(flags);
    const chosen = selection(flags);
    const { syncToGitLab } = await import('../gitlab/sync.js');
    // A sync takes seconds at real latency: say how far it is, on a terminal only.
    const progress = !flags.json && process.stderr.isTTY && ctx.env.TERM !== 'dumb' ? statusLine() : null;
    const result = await ctx.withSession((s) =>
      syncToGitLab(s, scope, {
        onProgress: progress?.show,
        ...chosen,
        project: flags.project,
        group: flags.group,
        dryRun: Boolean(flags.dryRun),
        prune: Boolean(flags.prune),
        pruneAll: Boolean(flags.pruneAll),
        force: Boolean(flags.force),
        appRoot: ctx.app?.root ?? null,
        baseUrl: ctx.config.gitlabUrl,
        token: ctx.config.gitlabToken,
      }).finally(() => progress?.clear()),
    );
    if (flags.json) json({ project: result.target, plan: result.plan, failed: result.failed });
    else printPlan(result, Boolean(flags.dryRun));
    if (result.failed.length) process.exitCode = 1;
  });
  example(
    sync,
    'kamal-secret gitlab sync --project group/app --dry-run\nkamal-secret gitlab sync -d production --protected',
  );

  const ci = gitlab
    .command('ci')
    .description(
      'print a .gitlab-ci.yml with a deploy job per destination (and one without -d unless deploy.yml requires a destination)',
    )
    .option(
      '--branch <name>',
      "the branch whose pipelines offer the deploy jobs (default: the project's default branch)",
    )
    .option('--kamal-version <X.Y.Z>', "the Kamal image's version (default: the app's Gemfile.lock, else 2.12.0)")
    .addOption(
      new Option('--docker <access>', "Docker for the build: a docker:dind service, or the runner's socket")
        .choices(['dind', 'socket'])
        .default('dind'),
    )
    .action(async (flags: { branch?: string; kamalVersion?: string; docker: DockerAccess }) => {
      const app = ctx.app;
      if (!app) throw new UserError('no config/deploy.yml here or above; run this inside a Kamal app');
      const { deployPipeline } = await import('../gitlab/ci.js');
      const { yaml, notes } = deployPipeline(app.root, flags);
      process.stdout.write(yaml);
      for (const note of notes) warn(note);
    });
  example(ci, 'kamal-secret gitlab ci > .gitlab-ci.yml\nkamal-secret gitlab ci --branch release --docker socket');
}

/** One line on stderr, rewritten in place, cleared before anything else is printed. */
function statusLine() {
  let shown = false;
  return {
    show(p: SyncProgress) {
      const text = p.phase === 'listing' ? `listing variables: ${p.listed}` : `writing ${p.done} of ${p.total}`;
      process.stderr.write(`\r\x1b[K${text}`);
      shown = true;
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

function printPlan({ plan: items, failed, targetLabel }: SyncResult, dryRun: boolean): void {
  out(`${dryRun ? 'plan (dry run)' : 'sync'} for ${targetLabel}:`);
  if (items.length)
    for (const line of table(
      items.map((i) => [i.action, i.key, `scope ${i.environment_scope}`, i.variable_type, i.reason]),
    ))
      out(`  ${line}`);
  for (const f of failed)
    out(
      `  failed  ${f.key} (scope ${f.environment_scope}): ${f.status >= 400 ? `GitLab answered ${f.status}: ` : ''}${f.message}`,
    );
  const n = (a: string) => items.filter((i) => i.action === a).length;
  out(
    `${n('create')} to create, ${n('update')} to update, ${n('unchanged')} unchanged, ${n('delete')} to delete, ${n('skip')} skipped${failed.length ? `, ${failed.length} failed (run again to finish)` : ''}`,
  );
}
