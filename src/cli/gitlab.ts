import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError, UserError } from '../errors.js';
import type { SyncResult } from '../gitlab/sync.js';
import { findApp } from '../light/app.js';
import type { ScopeOptions } from '../light/scope.js';
import { json, out, table } from '../term/output.js';
import type { CliContext } from './context.js';
import { example, scopeOptions } from './options.js';

interface SyncFlags extends ScopeOptions {
  project?: string;
  group?: string;
  environmentScope?: string;
  protected?: boolean;
  hidden?: boolean;
  prune?: boolean;
  pruneAll?: boolean;
  dryRun?: boolean;
  allowUnmasked?: boolean;
  force?: boolean;
  json?: boolean;
  type?: string[];
  gitlabVersionCompat: 'current' | 'old';
}

export function register(program: Command, ctx: CliContext): void {
  const gitlab = program.command('gitlab').description('GitLab CI/CD variables from the vault');
  const sync = scopeOptions(
    gitlab
      .command('sync')
      .description('create or update CI/CD variables from the vault, masked wherever GitLab allows')
      .option('--project <id|path>', 'numeric id or group/path (default: the origin remote)')
      .option('--group <id>', 'sync group variables instead')
      .option('--environment-scope <scope>', 'send every variable with this environment scope')
      .option('--protected', 'make the variables protected')
      .option('--hidden', 'create new masked variables hidden (their value can never be read back)')
      .option('--prune', 'delete variables kamal-secret created that are no longer in the vault')
      .option('--prune-all', 'delete every variable in the synced scopes that is not in the vault')
      .option('--dry-run', 'show the plan, change nothing')
      .option('--allow-unmasked', 'send values GitLab cannot mask, unmasked')
      .option('--force', 'overwrite hidden variables, whose values cannot be compared')
      .option('--type <NAME=file|env_var>', 'variable type for one name', (v, acc: string[] = []) => [...acc, v])
      .addOption(
        new Option('--gitlab-version-compat <rule>', 'masking rule of the server')
          .choices(['current', 'old'])
          .default('current'),
      )
      .option('--json', 'print {"project", "plan", "failed"} as JSON'),
  ).action(async (flags: SyncFlags) => {
    const scope = ctx.scope(flags);
    const types = parseTypes(flags.type ?? []);
    const { syncToGitLab } = await import('../gitlab/sync.js');
    const result = await ctx.withSession((s) =>
      syncToGitLab(s, scope, {
        project: flags.project,
        group: flags.group,
        environmentScope: flags.environmentScope,
        types,
        compat: flags.gitlabVersionCompat,
        dryRun: Boolean(flags.dryRun),
        allowUnmasked: Boolean(flags.allowUnmasked),
        protected: Boolean(flags.protected),
        hidden: Boolean(flags.hidden),
        prune: Boolean(flags.prune),
        pruneAll: Boolean(flags.pruneAll),
        force: Boolean(flags.force),
        appRoot: findApp(ctx.cwd)?.root ?? null,
        baseUrl: ctx.config.gitlabUrl,
        token: ctx.config.gitlabToken,
      }),
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
      'print a .gitlab-ci.yml deploy job for this app (one per destination) and the builder settings for fast CI builds',
    )
    .action(async () => {
      const app = findApp(ctx.cwd);
      if (!app) throw new UserError('no config/deploy.yml here or above; run this inside a Kamal app');
      const { readDeployConfig } = await import('../kamal/deploy-config.js');
      const { gitlabCiYaml } = await import('../gitlab/ci-template.js');
      const config = readDeployConfig(app.root);
      process.stdout.write(gitlabCiYaml(config.service ?? 'this app', config.destinations));
    });
  example(ci, 'kamal-secret gitlab ci > .gitlab-ci.yml');
}

function printPlan({ plan: items, failed, targetLabel }: SyncResult, dryRun: boolean): void {
  out(`${dryRun ? 'plan (dry run)' : 'sync'} for ${targetLabel}:`);
  if (items.length)
    for (const line of table(
      items.map((i) => [i.action, i.key, `scope ${i.environment_scope}`, i.variable_type, i.reason]),
    ))
      out(`  ${line}`);
  for (const f of failed) out(`  failed  ${f.key} (scope ${f.environment_scope}): ${f.message}`);
  const n = (a: string) => items.filter((i) => i.action === a).length;
  out(
    `${n('create')} to create, ${n('update')} to update, ${n('unchanged')} unchanged, ${n('delete')} to delete, ${n('skip')} skipped${failed.length ? `, ${failed.length} failed (run again to finish)` : ''}`,
  );
}

function parseTypes(specs: string[]): Map<string, 'env_var' | 'file'> {
  const types = new Map<string, 'env_var' | 'file'>();
  for (const spec of specs) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(file|env_var)$/.exec(spec);
    if (!m) throw new UsageError(`--type takes NAME=file or NAME=env_var, not "${spec}"`);
    types.set(m[1], m[2] as 'file' | 'env_var');
  }
  return types;
}
