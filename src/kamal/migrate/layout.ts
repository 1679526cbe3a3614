// The secrets files after the migration, in env mode (NAME=$NAME), laid out as
// `kamal init` lays them out: without destinations one .kamal/secrets; with them,
// .kamal/secrets-common for the names every deploy gets and .kamal/secrets.DEST (or the
// plain .kamal/secrets) for the rest. The old files are kept as FILE.before-migrate.

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { envModeText, FILE_HEADERS } from '../init.js';
import type { Deploy } from './evaluate.js';

export const BACKUP_SUFFIX = '.before-migrate';

export interface FilePlan {
  file: string;
  names: string[];
  /** the new text; null when no name is left for the file, which then goes away */
  text: string | null;
  /** where the old file is kept; null when there was none */
  backup: string | null;
}

/**
 * `migrated`: for each deploy, the names it gets from the vault after the migration.
 * `full`: every deploy of the app is migrated, so .kamal/secrets-common is rewritten too.
 */
export function planFiles(
  secretsPrefix: string,
  migrated: Map<Deploy, string[]>,
  { full, hasDestinations }: { full: boolean; hasDestinations: boolean },
): FilePlan[] {
  const common = `${secretsPrefix}-common`;
  const own = (d: Deploy) => (d.destination ? `${secretsPrefix}.${d.destination}` : secretsPrefix);
  const headers = new Map<string, string>([[common, FILE_HEADERS.common]]);
  for (const d of migrated.keys())
    headers.set(
      own(d),
      d.destination
        ? FILE_HEADERS.destination(d.destination)
        : hasDestinations
          ? FILE_HEADERS.plain
          : FILE_HEADERS.alone,
    );
  const targets = new Map<string, string[]>();
  const deploys = [...migrated.keys()];
  if (!hasDestinations) {
    targets.set(common, []);
    for (const d of deploys) targets.set(own(d), migrated.get(d)!);
  } else if (full) {
    const everywhere = deploys.map((d) => migrated.get(d)!).reduce((a, b) => a.filter((n) => b.includes(n)));
    targets.set(common, everywhere);
    for (const d of deploys)
      targets.set(
        own(d),
        migrated.get(d)!.filter((n) => !everywhere.includes(n)),
      );
  } else for (const d of deploys) targets.set(own(d), migrated.get(d)!);

  const plans: FilePlan[] = [];
  for (const [file, names] of targets) {
    const sorted = [...new Set(names)].sort();
    const text = sorted.length ? envModeText(headers.get(file)!, sorted) : null;
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (text === current) continue;
    plans.push({ file, names: sorted, text, backup: current === null ? null : `${file}${BACKUP_SUFFIX}` });
  }
  return plans;
}

/** Refuse before anything changes when a backup would overwrite one kept from an earlier migration. */
export function checkBackups(plans: FilePlan[], root: string): void {
  const taken = plans.filter((p) => p.backup && fs.existsSync(p.backup)).map((p) => path.relative(root, p.backup!));
  if (taken.length)
    throw new UserError(
      `${taken.join(' and ')} ${taken.length === 1 ? 'exists' : 'exist'} from an earlier migration; nothing was changed`,
      {
        fix: 'move it away (it may hold plaintext secrets), then run kamal-secret kamal migrate again',
      },
    );
}

/** Keep the old files as backups, write the new ones; returns what puts the old files back. */
export function rewriteFiles(plans: FilePlan[]): () => void {
  const done: (() => void)[] = [];
  const undo = () => {
    for (const step of done.reverse()) step();
  };
  try {
    for (const plan of plans) {
      const mode = plan.backup ? fs.statSync(plan.file).mode & 0o777 : 0o644;
      if (plan.backup) {
        fs.renameSync(plan.file, plan.backup);
        done.push(() => fs.renameSync(plan.backup!, plan.file));
      }
      if (plan.text !== null) {
        writeAtomically(plan.file, plan.text, mode);
        done.push(() => fs.rmSync(plan.file, { force: true }));
      }
    }
  } catch (err) {
    undo();
    throw err;
  }
  return undo;
}

function writeAtomically(file: string, text: string, mode: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, text, { mode });
    fs.chmodSync(temp, mode);
    fs.renameSync(temp, file);
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
