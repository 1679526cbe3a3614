// `kamal migrate`, second half: carry out a plan (plan.ts). Refuse to replace other
// vault values without --yes; write the vault; rewrite the files (old ones kept as
// *.before-migrate); verify (verify.ts). Any difference, or an interrupt, puts the files
// AND the vault back as they were (each value written is restored or removed, unless
// someone changed it meanwhile); only a verified migration installs the pre-connect guard.

import fs from 'node:fs';
import { EXIT, UserError } from '../../errors.js';
import { formatRef, scopeChain, splitRef } from '../../light/refs.js';
import type { VaultSession } from '../../vault/session.js';
import { readDeployConfig, secretsFiles } from '../deploy-config.js';
import { installHook } from '../init.js';
import { checkBackups, rewriteFiles } from './layout.js';
import type { Plan } from './plan.js';
import type { Write } from './scopes.js';
import { type Difference, type ModelCheck, verifyWithKamal, verifyWithModel } from './verify.js';

export interface ApplyOptions {
  session: VaultSession;
  env: NodeJS.ProcessEnv;
  yes: boolean;
  /** the argv that starts kamal-secret, for `kamal-secret run -- kamal secrets print` */
  self: string[];
  /** aborted by an interrupt: the migration is undone */
  signal: AbortSignal;
  warn: (line: string) => void;
}

export interface Applied {
  /** with a real Kamal, which one verified the files */
  verifiedWith: string | null;
  hookNote: string;
}

export async function applyMigration(plan: Plan, opts: ApplyOptions): Promise<Applied> {
  if (plan.conflicts.length && !opts.yes)
    throw new UserError(`the vault already holds other values for ${plan.conflicts.join(', ')}; nothing was changed`, {
      code: 'conflict',
      fix: 'compare them (kamal-secret get REF), then migrate again with --yes to replace them',
    });
  checkBackups(plan.files, plan.root);
  const undoVault = await writeVault(plan.writes, opts);
  let undoFiles = () => {};
  const undo = async () => {
    undoFiles();
    await undoVault();
  };
  try {
    interrupted(opts.signal);
    undoFiles = rewriteFiles(plan.files);
    interrupted(opts.signal);
    const differences = await verify(plan, opts);
    interrupted(opts.signal);
    if (differences.length)
      throw new UserError(
        `the new files do not deliver what the old ones did, so the files and the vault are as they were: ${differences.map(describeDifference).join('; ')}`,
        {
          code: 'not_verified',
          fix: 'see kamal-secret check; kamal migrate --dry-run shows where each value comes from',
        },
      );
  } catch (err) {
    await undo();
    throw err;
  }
  return {
    verifiedWith: plan.kamal?.label ?? null,
    hookNote: installHook(plan.root, plan.hooksPath, plan.secretsPath),
  };
}

async function verify(plan: Plan, opts: ApplyOptions): Promise<Difference[]> {
  const checks: ModelCheck[] = [];
  for (const deploy of plan.deploys) {
    const config = readDeployConfig(plan.root, deploy.destination);
    checks.push({
      deploy,
      files: secretsFiles(config, deploy.destination).filter((f) => fs.existsSync(f)),
      expected: plan.expected.get(deploy)!,
      visible: await opts.session.visible(scopeChain(deploy.scope)),
    });
  }
  const differences = verifyWithModel(checks, plan.versions, opts.env, plan.runner);
  if (differences.length || !plan.kamal) return differences;
  return verifyWithKamal(checks, plan.kamal, opts.self, { cwd: plan.root, env: opts.env });
}

/** Write every value (one import per scope); returns what restores the vault as it was. */
async function writeVault(writes: Write[], opts: ApplyOptions): Promise<() => Promise<void>> {
  const byScope = new Map<string, [string, string][]>();
  for (const w of writes) {
    const { scope, name } = splitRef(w.ref);
    byScope.set(scope, [...(byScope.get(scope) ?? []), [name, w.value]]);
  }
  const undo = async () => {
    for (const w of [...writes].reverse()) {
      const { scope, name } = splitRef(w.ref);
      const now = (await opts.session.visible([scope])).get(name);
      if (now?.value !== w.value) {
        if (now !== undefined || w.previous !== undefined) opts.warn(`${w.ref} changed meanwhile; left as it is now`);
        continue;
      }
      await opts.session.mutate(
        w.previous === undefined ? { op: 'rm', ref: w.ref } : { op: 'set', ref: w.ref, value: w.previous },
      );
    }
  };
  try {
    for (const [scope, entries] of byScope) {
      const report = await opts.session.mutate({ op: 'import', scope, entries, overwrite: opts.yes });
      if ('skipped' in report && report.skipped.length)
        throw new UserError(
          `${report.skipped.map((n) => formatRef({ scope, name: n })).join(', ')} changed in the vault meanwhile; nothing was changed`,
          { code: 'conflict', fix: 'migrate again' },
        );
    }
  } catch (err) {
    await undo();
    throw err;
  }
  return undo;
}

function interrupted(signal: AbortSignal): void {
  if (signal.aborted)
    throw new UserError('interrupted; the files and the vault are as they were', {
      exit: EXIT.interrupted,
      code: 'cancelled',
    });
}

const describeDifference = (d: Difference) => `${d.destination ? `${d.destination} ` : ''}${d.name}: ${d.why}`;
