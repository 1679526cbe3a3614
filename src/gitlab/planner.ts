// Plan a sync: compare the secrets we want in GitLab with the variables it has, and
// send only the fields that differ. Values never enter the plan's printable fields.

import { UsageError } from '../errors.js';
import type { Variable } from './client.js';
import { type Compat, maskability } from './masking.js';

export const MANAGED_DESCRIPTION = 'managed by kamal-secret';

export interface Desired {
  key: string;
  value: string;
  environment_scope: string;
  /** the name is read by a .kamal/secrets file as $NAME (a file variable would hand Kamal a path) */
  readByKamal: boolean;
  /** the deploy job of `gitlab ci` reads it as a File variable (pipeline-variables.ts) */
  readByPipeline: boolean;
  typeOverride?: VariableType;
}

export type VariableType = 'env_var' | 'file';

export interface PlanOptions {
  compat: Compat;
  allowUnmasked: boolean;
  protected: boolean;
  hidden: boolean;
  prune: boolean;
  pruneAll: boolean;
  force: boolean;
}

export interface PlanItem {
  key: string;
  environment_scope: string;
  action: 'create' | 'update' | 'unchanged' | 'delete' | 'skip';
  reason: string;
  variable_type: 'env_var' | 'file';
  masked: boolean;
  raw: boolean;
  protected: boolean;
  /** what to send: for create every field, for update only the changed ones (not printed) */
  send?: Record<string, unknown>;
}

/** `--type NAME=file|env_var`, repeated: the variable type for those names. */
export function parseTypeOverrides(specs: string[]): Map<string, VariableType> {
  const types = new Map<string, VariableType>();
  for (const spec of specs) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(file|env_var)$/.exec(spec);
    if (!m) throw new UsageError(`--type takes NAME=file or NAME=env_var, not "${spec}"`);
    types.set(m[1], m[2] as VariableType);
  }
  return types;
}

export function plan(desired: Desired[], existing: Variable[], opts: PlanOptions): PlanItem[] {
  const items: PlanItem[] = [];
  const byKey = new Map(existing.map((v) => [`${v.key}\0${v.environment_scope}`, v]));
  const wanted = new Set<string>();
  for (const d of desired) {
    const id = `${d.key}\0${d.environment_scope}`;
    wanted.add(id);
    const current = byKey.get(id);
    const m = maskability(d.value, opts.compat);
    const multiline = !m.maskable && m.multiline;
    const type = d.typeOverride ?? (!d.readByKamal && (multiline || d.readByPipeline) ? 'file' : 'env_var');
    const base = {
      key: d.key,
      environment_scope: d.environment_scope,
      variable_type: type,
      raw: true,
      protected: opts.protected || Boolean(current?.protected),
    };
    if (!m.maskable && !m.multiline && !d.readByPipeline && !opts.allowUnmasked) {
      items.push({
        ...base,
        action: 'skip',
        masked: false,
        reason: `${m.reason}; use --allow-unmasked to send it unmasked`,
      });
      continue;
    }
    const masked = m.maskable;
    const note = m.maskable
      ? 'masked'
      : `unmasked: ${m.reason}${type === 'file' ? ' (sent as a file variable)' : ''}${
          d.readByPipeline ? ' (the deploy job reads it)' : m.multiline ? '' : ' (--allow-unmasked)'
        }`;
    if (!current) {
      const send: Record<string, unknown> = {
        key: d.key,
        value: d.value,
        variable_type: type,
        masked,
        raw: true,
        environment_scope: d.environment_scope,
        description: MANAGED_DESCRIPTION,
      };
      if (opts.protected) send.protected = true;
      if (opts.hidden && masked) send.masked_and_hidden = true;
      items.push({ ...base, action: 'create', masked, reason: note, send });
      continue;
    }
    if (current.masked && !masked) {
      items.push({
        ...base,
        action: 'skip',
        masked: true,
        reason: `the variable is masked in GitLab and the new value cannot be (${note}); not unmasking it`,
      });
      continue;
    }
    const send: Record<string, unknown> = {};
    const hiddenValue = current.value === null || current.hidden === true;
    if (hiddenValue && !opts.force) {
      items.push({
        ...base,
        action: 'unchanged',
        masked: current.masked,
        reason: 'hidden in GitLab: its value cannot be compared; use --force to overwrite it',
      });
      continue;
    }
    if (hiddenValue || current.value !== d.value) send.value = d.value;
    if (current.variable_type !== type) send.variable_type = type;
    if (current.masked !== masked) send.masked = masked;
    if (current.raw !== true) send.raw = true;
    if (opts.protected && !current.protected) send.protected = true;
    const changed = Object.keys(send);
    items.push(
      changed.length
        ? { ...base, action: 'update', masked, reason: `changed: ${changed.join(', ')}`, send }
        : { ...base, action: 'unchanged', masked: current.masked, reason: note },
    );
  }
  if (opts.prune || opts.pruneAll) {
    const scopes = new Set(desired.map((d) => d.environment_scope));
    for (const v of existing) {
      if (wanted.has(`${v.key}\0${v.environment_scope}`) || !scopes.has(v.environment_scope)) continue;
      if (!opts.pruneAll && v.description !== MANAGED_DESCRIPTION) continue;
      items.push({
        key: v.key,
        environment_scope: v.environment_scope,
        action: 'delete',
        reason: opts.pruneAll ? 'not in the vault (--prune-all)' : 'created by kamal-secret, no longer in the vault',
        variable_type: v.variable_type,
        masked: v.masked,
        raw: v.raw,
        protected: v.protected,
      });
    }
  }
  return items;
}
