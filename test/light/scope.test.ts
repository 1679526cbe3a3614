// The scope a command works in (DESIGN.md §2), resolved the same way by the fast get
// path, the full CLI and check.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { findApp } from '../../src/light/app.js';
import { resolveScope, type ScopeDefaults, type ScopeOptions } from '../../src/light/scope.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-scope-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function app(name: string, service: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'config'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'app', 'models'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'config', 'deploy.yml'), `service: ${service}\nimage: x\n`);
  return dir;
}

const shop = app('shop', 'shop');
const nowhere = fs.mkdtempSync(path.join(root, 'nowhere-'));
const none = { scope: undefined, destination: undefined };

/** The scope a command run in `cwd` works in. */
const scopeAt = (opts: ScopeOptions, defaults: ScopeDefaults, cwd: string) =>
  resolveScope(opts, defaults, findApp(cwd));

describe('resolveScope', () => {
  it('takes the service of the nearest deploy.yml, from any folder of the app', () => {
    expect(scopeAt({}, none, shop)).toBe('shop');
    expect(scopeAt({}, none, path.join(shop, 'app', 'models'))).toBe('shop');
  });

  it('outside an app, the global scope', () => {
    expect(scopeAt({}, none, nowhere)).toBe('');
  });

  it('--scope wins over KAMAL_SECRET_SCOPE, which wins over deploy.yml', () => {
    expect(scopeAt({ scope: 'cli' }, { scope: 'env', destination: undefined }, shop)).toBe('cli');
    expect(scopeAt({}, { scope: 'env', destination: undefined }, shop)).toBe('env');
  });

  it('-d narrows the app to APP/DEST; KAMAL_DESTINATION does too, and -d wins over it', () => {
    expect(scopeAt({ destination: 'staging' }, none, shop)).toBe('shop/staging');
    expect(scopeAt({}, { scope: undefined, destination: 'production' }, shop)).toBe('shop/production');
    expect(scopeAt({ destination: 'staging' }, { scope: undefined, destination: 'production' }, shop)).toBe(
      'shop/staging',
    );
  });

  it('a scope that already names the destination -d gives is accepted; another one is a usage error', () => {
    expect(scopeAt({ scope: 'shop/staging', destination: 'staging' }, none, nowhere)).toBe('shop/staging');
    expect(() => scopeAt({ scope: 'shop/staging', destination: 'production' }, none, nowhere)).toThrow(UsageError);
  });

  it('-d outside an app is a usage error; KAMAL_DESTINATION outside an app changes nothing', () => {
    expect(() => scopeAt({ destination: 'staging' }, none, nowhere)).toThrow(/needs an app/);
    expect(scopeAt({}, { scope: undefined, destination: 'staging' }, nowhere)).toBe('');
  });

  it('--global is the global scope, also inside an app, and cannot be combined with --scope', () => {
    expect(scopeAt({ global: true }, { scope: 'env', destination: 'staging' }, shop)).toBe('');
    expect(() => scopeAt({ global: true, scope: 'shop' }, none, shop)).toThrow(UsageError);
  });

  it('a service that cannot be a scope is a usage error naming deploy.yml', () => {
    const odd = app('odd', '"my app"');
    expect(() => scopeAt({}, none, odd)).toThrow(/cannot be a scope/);
  });

  it('an invalid --scope is refused', () => {
    expect(() => scopeAt({ scope: 'a/b/c' }, none, nowhere)).toThrow();
  });

  it('reads deploy.yml only when the scope comes from it: --scope works beside one that cannot be read', () => {
    const unreadable = path.join(root, 'unreadable');
    fs.mkdirSync(path.join(unreadable, 'config', 'deploy.yml'), { recursive: true }); // a directory: reading it fails
    expect(scopeAt({ scope: 'shop', destination: 'staging' }, none, unreadable)).toBe('shop/staging');
    expect(() => scopeAt({}, none, unreadable)).toThrow(/EISDIR/);
  });
});
