// What goes into the fast paths' bundles, read from the metafiles esbuild writes at build
// time (dist/meta/NAME.json): the rule that keeps get and run at the Node floor rests on
// this test, not on comments. Needs `npm run build` first, as every e2e test does.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

interface Metafile {
  inputs: Record<string, unknown>;
  outputs: Record<string, { imports: { path: string; external?: boolean }[] }>;
}

const meta = (bundle: string): Metafile =>
  JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'meta', `${bundle}.json`), 'utf8'));
const inputs = (bundle: string) => Object.keys(meta(bundle).inputs);

/** What the bundle leaves to require() at run time: it must all come with Node. */
const notBuiltIn = (bundle: string) =>
  Object.values(meta(bundle).outputs)
    .flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path))
    .filter((p) => !builtinModules.includes(p.replace(/^node:/, '')));

const LIGHT = /^src\/(light\/[\w-]+\.ts|config\.ts|errors\.ts)$/;
const HEAVY = /node_modules\/(commander|libsodium[\w-]*|@inquirer|@napi-rs)\//;

describe('the fast bundles', () => {
  it.each(['fast-get', 'fast-run'])('%s holds light/, config.ts and errors.ts, and needs only Node', (bundle) => {
    expect(inputs(bundle).filter((input) => !LIGHT.test(input))).toEqual([]);
    expect(inputs(bundle)).toContain(`src/light/${bundle}.ts`);
    expect(notBuiltIn(bundle)).toEqual([]);
  });

  it.each(['fast-get', 'fast-run'])('%s takes node built-ins by name, not whole', (bundle) => {
    // `import fs from 'node:fs'` bundles as __toESM(require('node:fs')), which copies every
    // property of the module at start-up; `import { readFileSync } from 'node:fs'` does not.
    const code = fs.readFileSync(path.join(ROOT, 'dist', `${bundle}.cjs`), 'utf8');
    expect(code.match(/__toESM\(require\("node:\w+"\)/g) ?? []).toEqual([]);
  });

  it('fast-check holds check and the YAML parser, no commander, libsodium, prompts or keychain', () => {
    expect(inputs('fast-check').filter((input) => HEAVY.test(input))).toEqual([]);
    expect(inputs('fast-check').filter((input) => /^src\/(vault|unlock|agent)\//.test(input))).toEqual([]);
    expect(inputs('fast-check')).toEqual(
      expect.arrayContaining(['src/kamal/check/check.ts', 'node_modules/yaml/dist/index.js']),
    );
    expect(notBuiltIn('fast-check')).toEqual([]);
  });
});
