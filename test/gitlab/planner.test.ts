// The sync planner: what to create, update, leave, skip or delete, and exactly which
// fields each write sends (reference/gitlab-variables.md).
import { describe, expect, it } from 'vitest';
import type { Variable } from '../../src/gitlab/client.js';
import {
  type Desired,
  MANAGED_DESCRIPTION,
  type PlanOptions,
  parseTypeOverrides,
  plan,
} from '../../src/gitlab/planner.js';

const OPTS: PlanOptions = {
  compat: 'current',
  allowUnmasked: false,
  protected: false,
  hidden: false,
  prune: false,
  pruneAll: false,
  force: false,
};
const want = (key: string, value: string, more: Partial<Desired> = {}): Desired => ({
  key,
  value,
  environment_scope: '*',
  readByKamal: true,
  readByPipeline: false,
  ...more,
});
const have = (key: string, value: string | null, more: Partial<Variable> = {}): Variable => ({
  key,
  value,
  variable_type: 'env_var',
  protected: false,
  masked: true,
  raw: true,
  environment_scope: '*',
  description: MANAGED_DESCRIPTION,
  ...more,
});

describe('plan', () => {
  it('creates a maskable value masked and raw, with every field', () => {
    const [item] = plan([want('API_KEY', 'abcdefgh12345')], [], OPTS);
    expect(item).toMatchObject({ action: 'create', masked: true, raw: true, variable_type: 'env_var' });
    expect(item.send).toEqual({
      key: 'API_KEY',
      value: 'abcdefgh12345',
      variable_type: 'env_var',
      masked: true,
      raw: true,
      environment_scope: '*',
      description: MANAGED_DESCRIPTION,
    });
  });

  it('skips a short value with the reason, unless --allow-unmasked', () => {
    const [skipped] = plan([want('PIN', '1234')], [], OPTS);
    expect(skipped.action).toBe('skip');
    expect(skipped.send).toBeUndefined();
    expect(skipped.reason).toMatch(/shorter than 8.*--allow-unmasked/);
    const [sent] = plan([want('PIN', '1234')], [], { ...OPTS, allowUnmasked: true });
    expect(sent).toMatchObject({ action: 'create', masked: false });
  });

  it('a multi-line value Kamal does not read becomes a file variable; one Kamal reads stays env_var', () => {
    const pem = '-----BEGIN KEY-----\nabc\n-----END KEY-----';
    expect(plan([want('TLS', pem, { readByKamal: false })], [], OPTS)[0]).toMatchObject({
      action: 'create',
      variable_type: 'file',
      masked: false,
    });
    expect(plan([want('TLS', pem)], [], OPTS)[0]).toMatchObject({ action: 'create', variable_type: 'env_var' });
  });

  it('a variable the deploy job reads is a file variable, never skipped as unmaskable', () => {
    const [item] = plan(
      [want('SSH_KNOWN_HOSTS', 'host ssh-ed25519 AAAA', { readByKamal: false, readByPipeline: true })],
      [],
      OPTS,
    );
    expect(item).toMatchObject({ action: 'create', variable_type: 'file' });
  });

  it('--type overrides the type', () => {
    const [item] = plan([want('API_KEY', 'abcdefgh12345', { typeOverride: 'file' })], [], OPTS);
    expect(item.variable_type).toBe('file');
  });

  it('an equal variable is unchanged; a changed one sends only the fields that differ', () => {
    const [same] = plan([want('A', 'abcdefgh1')], [have('A', 'abcdefgh1')], OPTS);
    expect(same.action).toBe('unchanged');
    expect(same.send).toBeUndefined();
    const [item] = plan([want('A', 'abcdefgh2')], [have('A', 'abcdefgh1', { raw: false })], OPTS);
    expect(item).toMatchObject({ action: 'update', send: { value: 'abcdefgh2', raw: true } });
  });

  it('never unmasks a masked variable whose new value cannot be masked', () => {
    const [item] = plan([want('A', 'has space inside')], [have('A', 'abcdefgh1')], { ...OPTS, allowUnmasked: true });
    expect(item.action).toBe('skip');
    expect(item.send).toBeUndefined();
    expect(item.reason).toMatch(/not unmasking/);
  });

  it('a hidden variable is left alone without --force, overwritten with it', () => {
    const hidden = have('A', null, { hidden: true });
    const [same] = plan([want('A', 'abcdefgh1')], [hidden], OPTS);
    expect(same.action).toBe('unchanged');
    expect(same.send).toBeUndefined();
    expect(plan([want('A', 'abcdefgh1')], [hidden], { ...OPTS, force: true })[0]).toMatchObject({
      action: 'update',
      send: { value: 'abcdefgh1' },
    });
  });

  it('--protected and --hidden reach a create; hidden only for masked values', () => {
    const opts = { ...OPTS, protected: true, hidden: true, allowUnmasked: true };
    const [masked, short] = plan([want('A', 'abcdefgh1'), want('B', 'x')], [], opts);
    expect(masked.send).toMatchObject({ protected: true, masked_and_hidden: true });
    expect(short.send).toMatchObject({ protected: true });
    expect(short.send).not.toHaveProperty('masked_and_hidden');
  });

  it('--prune deletes only what kamal-secret created, in the scopes it syncs; --prune-all deletes the rest too', () => {
    const existing = [
      have('OLD', 'abcdefgh1'),
      have('THEIRS', 'abcdefgh1', { description: 'made by hand' }),
      have('OTHER_SCOPE', 'abcdefgh1', { environment_scope: 'staging' }),
    ];
    const pruned = plan([], existing, { ...OPTS, prune: true });
    expect(pruned).toEqual([]); // no desired scope: nothing of ours is known to be stale
    const items = plan([want('A', 'abcdefgh1')], existing, { ...OPTS, prune: true });
    expect(items.filter((i) => i.action === 'delete').map((i) => i.key)).toEqual(['OLD']);
    const all = plan([want('A', 'abcdefgh1')], existing, { ...OPTS, pruneAll: true });
    expect(all.filter((i) => i.action === 'delete').map((i) => i.key)).toEqual(['OLD', 'THEIRS']);
  });

  it('the same key in two environment scopes is two variables', () => {
    const items = plan(
      [
        want('A', 'abcdefgh1', { environment_scope: 'staging' }),
        want('A', 'abcdefgh2', { environment_scope: 'production' }),
      ],
      [have('A', 'abcdefgh1', { environment_scope: 'staging' })],
      OPTS,
    );
    expect(items.map((i) => [i.environment_scope, i.action])).toEqual([
      ['staging', 'unchanged'],
      ['production', 'create'],
    ]);
  });
});

describe('parseTypeOverrides', () => {
  it('reads NAME=file and NAME=env_var, and refuses anything else', () => {
    expect([...parseTypeOverrides(['A=file', 'B=env_var'])]).toEqual([
      ['A', 'file'],
      ['B', 'env_var'],
    ]);
    expect(() => parseTypeOverrides(['A=text'])).toThrow(/NAME=file or NAME=env_var/);
  });
});
