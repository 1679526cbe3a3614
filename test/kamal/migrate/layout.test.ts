// The secrets files after a migration, their backups, and putting the old ones back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Deploy } from '../../../src/kamal/migrate/evaluate.js';
import { checkBackups, planFiles, rewriteFiles } from '../../../src/kamal/migrate/layout.js';

let root: string;
let prefix: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-layout-'));
  fs.mkdirSync(path.join(root, '.kamal'));
  prefix = path.join(root, '.kamal', 'secrets');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const deploy = (destination?: string): Deploy => ({ destination, scope: 'shop', files: [] });
const write = (files: Record<string, string>) => {
  for (const [f, t] of Object.entries(files)) fs.writeFileSync(path.join(root, '.kamal', f), t, { mode: 0o640 });
};
const summary = (plans: ReturnType<typeof planFiles>) =>
  plans.map(
    (p) =>
      `${path.basename(p.file)}: ${p.text === null ? '(removed)' : p.names.join(' ')}${p.backup ? ' +backup' : ''}`,
  );

describe('planFiles', () => {
  it('without destinations: one .kamal/secrets, and a secrets-common goes away', () => {
    write({ secrets: 'A=$(x)\n', 'secrets-common': 'B=1\n' });
    const plans = planFiles(prefix, new Map([[deploy(), ['B', 'A']]]), { full: true, hasDestinations: false });
    expect(summary(plans)).toEqual(['secrets-common: (removed) +backup', 'secrets: A B +backup']);
    expect(plans[1].text).toMatch(/^# Read by every deploy\.\n# Env mode.*\n.*\nA=\$A\nB=\$B\n$/);
  });

  it('with destinations: what every deploy gets in secrets-common, the rest in each secrets.DEST', () => {
    write({ 'secrets.production': 'x\n' });
    const plans = planFiles(
      prefix,
      new Map([
        [deploy('production'), ['MASTER', 'DB', 'SMTP']],
        [deploy('staging'), ['MASTER', 'DB']],
      ]),
      { full: true, hasDestinations: true },
    );
    // staging has no name of its own and had no file: nothing to write for it
    expect(summary(plans)).toEqual(['secrets-common: DB MASTER', 'secrets.production: SMTP +backup']);
  });

  it('migrating some destinations: only their own files, secrets-common untouched', () => {
    write({ 'secrets-common': 'SHARED=$(x)\n', 'secrets.staging': 'A=1\n' });
    const plans = planFiles(prefix, new Map([[deploy('staging'), ['A']]]), { full: false, hasDestinations: true });
    expect(summary(plans)).toEqual(['secrets.staging: A +backup']);
  });

  it('files already as they would be written are left alone', () => {
    const [first] = planFiles(prefix, new Map([[deploy(), ['A']]]), { full: true, hasDestinations: false });
    write({ secrets: first.text! });
    expect(planFiles(prefix, new Map([[deploy(), ['A']]]), { full: true, hasDestinations: false })).toEqual([]);
  });
});

describe('rewriteFiles', () => {
  it('keeps each old file as FILE.before-migrate with its mode, and the undo puts everything back', () => {
    write({ secrets: 'A=$(old)\n', 'secrets-common': 'B=1\n' });
    const plans = planFiles(prefix, new Map([[deploy(), ['A', 'B']]]), { full: true, hasDestinations: false });
    const undo = rewriteFiles(plans);
    expect(fs.readFileSync(`${prefix}.before-migrate`, 'utf8')).toBe('A=$(old)\n');
    expect(fs.readFileSync(`${prefix}-common.before-migrate`, 'utf8')).toBe('B=1\n');
    expect(fs.existsSync(`${prefix}-common`)).toBe(false);
    expect(fs.readFileSync(prefix, 'utf8')).toContain('A=$A\nB=$B\n');
    expect(fs.statSync(prefix).mode & 0o777).toBe(0o640);
    undo();
    expect(fs.readdirSync(path.join(root, '.kamal')).sort()).toEqual(['secrets', 'secrets-common']);
    expect(fs.readFileSync(prefix, 'utf8')).toBe('A=$(old)\n');
  });

  it('a backup left by an earlier migration is never overwritten', () => {
    write({ secrets: 'A=$(old)\n', 'secrets.before-migrate': 'older\n' });
    const plans = planFiles(prefix, new Map([[deploy(), ['A']]]), { full: true, hasDestinations: false });
    expect(() => checkBackups(plans, root)).toThrow(
      '.kamal/secrets.before-migrate exists from an earlier migration; nothing was changed',
    );
  });
});
