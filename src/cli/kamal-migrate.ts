// `kamal-secret kamal migrate`: parse, ask, print. The work is in src/kamal/migrate/.

import path from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../errors.js';
import type { Applied } from '../kamal/migrate/apply.js';
import type { Alteration, Pick } from '../kamal/migrate/decide.js';
import type { Plan } from '../kamal/migrate/plan.js';
import { resolveScope } from '../light/scope.js';
import { askChoice } from '../term/choice.js';
import { json, out, table, warn } from '../term/output.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

interface MigrateFlags {
  destination?: string[];
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

export function registerMigrate(kamal: Command, ctx: CliContext): void {
  const cmd = kamal
    .command('migrate')
    .description(
      "move the secrets the app's secrets files fetch today (1Password, Bitwarden, LastPass, a .env, literals) into the vault, rewrite the files in env mode, and verify that every value arrives as before",
    )
    .option(
      '-d, --destination <dest>',
      'migrate this destination (repeat for more; default: every deploy of the app)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--dry-run', 'print the plan (names, scopes, where each value comes from) and change nothing')
    .option(
      '--yes',
      'replace other values already in the vault, and store altered values as their lines meant them, without asking',
    )
    .option('--json', 'print the plan and the result as JSON')
    .action(async (flags: MigrateFlags) => {
      const app = ctx.app;
      if (!app) throw new UserError('no config/deploy.yml here or above; run this inside a Kamal app');
      const { planMigration } = await import('../kamal/migrate/plan.js');
      const { applyMigration } = await import('../kamal/migrate/apply.js');
      const ask = !flags.yes && !flags.dryRun;
      await ctx.withSession(async (session) => {
        const plan = await planMigration({
          root: app.root,
          destinations: flags.destination ?? [],
          env: ctx.env,
          scopeFor: (destination) =>
            resolveScope({ destination }, { scope: ctx.config.scope, destination: undefined }, app),
          session,
          decide: ask ? (alterations) => askPicks(alterations, ctx.config.useTerminal) : undefined,
          warn,
        });
        if (flags.dryRun) return report(plan, null, flags);
        const interrupt = new AbortController();
        const onSignal = () => interrupt.abort();
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const applied = await applyMigration(plan, {
            session,
            env: ctx.env,
            yes: Boolean(flags.yes),
            self: [process.execPath, process.argv[1]],
            signal: interrupt.signal,
            warn,
          });
          report(plan, applied, flags);
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
  example(
    cmd,
    'kamal-secret kamal migrate --dry-run\nkamal-secret kamal migrate\nkamal-secret kamal migrate -d staging --json',
  );
}

async function askPicks(alterations: Alteration[], useTerminal: boolean): Promise<Map<string, Pick>> {
  const picks = new Map<string, Pick>();
  for (const a of alterations) {
    if (!a.deliveredKnown) continue;
    const picked = await askChoice(
      `${a.name} (${a.origin.file}:${a.origin.line}, ${a.origin.source}) reaches the app altered: ${a.why}.`,
      [
        'store the value the line meant, so that deploys get it intact from now on',
        'store the value deploys have been getting',
      ],
      useTerminal,
    );
    if (picked === null) break;
    picks.set(a.name, picked === 0 ? 'intended' : 'delivered');
  }
  return picks;
}

const ACTION_WORDS = {
  create: 'new',
  update: 'replace',
  unchanged: 'already there',
  'in-global': 'left in the global scope',
};

function report(plan: Plan, applied: Applied | null, flags: MigrateFlags): void {
  const rel = (file: string) => path.relative(plan.root, file);
  const deployNames = plan.deploys.map((d) => (d.destination ? `-d ${d.destination}` : 'kamal deploy')).join(', ');
  const changed = plan.writes.length > 0 || plan.files.length > 0;
  if (flags.json) {
    json({
      app: plan.app,
      deploys: plan.deploys.map((d) => d.destination ?? null),
      dry_run: !applied,
      dotenv: plan.versions,
      kamal: plan.kamal?.label ?? null,
      secrets: plan.secrets.map((s) => ({
        name: s.name,
        ref: s.ref,
        destinations: s.destinations.map((d) => d ?? null),
        action: s.action,
        file: s.origin.file,
        line: s.origin.line,
        source: s.origin.source,
        altered: s.altered ?? null,
      })),
      not_migrated: plan.notMigrated.map((n) => ({
        name: n.name,
        file: n.origin.file,
        line: n.origin.line,
        reason: n.reason,
      })),
      conflicts: plan.conflicts,
      files: plan.files.map((f) => ({ file: rel(f.file), names: f.names, backup: f.backup && rel(f.backup) })),
      verified: applied && { dotenv: plan.versions, kamal: applied.verifiedWith },
      hook: applied?.hookNote ?? null,
    });
  } else {
    out(
      `${applied ? (changed ? 'migrated' : 'already migrated:') : 'plan for'} ${plan.app} (${deployNames}), read as Kamal reads it on dotenv ${plan.versions.join(' and ')}${plan.kamal ? ` and by ${plan.kamal.label}` : ''}:`,
    );
    const rows = plan.secrets.map((s) => [
      s.name,
      s.ref,
      plan.conflicts.includes(s.ref)
        ? `${ACTION_WORDS[s.action]}${applied ? '' : ' (needs --yes)'}`
        : ACTION_WORDS[s.action],
      `${s.origin.file}:${s.origin.line} ${s.origin.source}`,
    ]);
    for (const line of table([['NAME', 'STORED AS', 'ACTION', 'FROM'], ...rows])) out(`  ${line}`);
    for (const s of plan.secrets.filter((s) => s.altered))
      out(
        `  ${s.name} arrived altered (${s.altered!.why}): ${applied ? 'stored' : 'stores'} the value ${s.altered!.stored === 'intended' ? 'its line meant' : 'deploys were getting'}${applied ? '' : ' (on a terminal, kamal migrate asks which)'}`,
      );
    const shadowed = plan.conflicts.filter((ref) => !plan.secrets.some((s) => s.ref === ref));
    if (shadowed.length)
      out(
        `  also ${applied ? 'replaced' : 'replaces'} ${shadowed.join(', ')}, which would hide the new values${applied ? '' : ' (needs --yes)'}`,
      );
    if (plan.notMigrated.length) {
      out('not migrated:');
      for (const n of plan.notMigrated) out(`  ${n.name} (${n.origin.file}:${n.origin.line}): ${n.reason}`);
    }
    for (const f of plan.files)
      out(
        `${applied ? 'wrote' : 'writes'} ${rel(f.file)}: ${f.text === null ? 'nothing left for it, so it goes' : f.names.join(' ')}${f.backup ? `; the old file ${applied ? 'is' : 'stays as'} ${rel(f.backup)}` : ''}`,
      );
    if (!plan.files.length) out('the secrets files are already in env mode');
    if (!applied) {
      out('dry run: nothing was changed');
      return;
    }
    out(
      `verified: every name arrives as before${plan.secrets.some((s) => s.altered?.stored === 'intended') ? ' (except the altered ones above, now intact)' : ''}, on dotenv ${plan.versions.join(' and ')}${applied.verifiedWith ? `, and by real kamal secrets print through kamal-secret run (${applied.verifiedWith})` : ''}`,
    );
    out(applied.hookNote);
    const backups = plan.files.flatMap((f) => (f.backup ? [rel(f.backup)] : []));
    const cleanUp = `; once a deploy works, delete ${backups.join(' ')} (${backups.length === 1 ? 'it' : 'they'} may hold plaintext)`;
    out(`next: kamal-secret run -- kamal deploy${backups.length ? cleanUp : ''}`);
  }
  if (applied)
    for (const s of plan.secrets.filter((s) => s.altered?.stored === 'intended'))
      warn(
        `${s.name}: stored the value its line meant, not the altered one deploys were getting (${s.altered!.why}); if the app relied on the altered value, set it again: kamal-secret set ${s.ref}`,
      );
}
