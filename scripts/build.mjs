// npm run build: tsc compiles src/ into dist/ (the full CLI, with source maps); esbuild
// bundles each fast path into one CommonJS file, since every module a process loads costs
// start time, and writes what went into each bundle to dist/meta/NAME.json (a test holds
// the bundles to their fence); and commander renders the help and version texts that
// bin/kamal-secret.js prints without loading the CLI (scripts/cli-text.mjs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { writeCliText } from './cli-text.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');

/** The fast paths: bin/kamal-secret.js loads one of these instead of the full CLI. */
const BUNDLES = {
  'fast-get': 'src/light/fast-get.ts',
  'fast-run': 'src/light/fast-run.ts',
  'fast-check': 'src/cli/fast-check.ts',
};

/**
 * src/ loads some packages on first use with createRequire(import.meta.url)(NAME), which
 * esbuild cannot follow (and import.meta does not exist in CommonJS). In a bundle they
 * become require(NAME): bundled like the rest, and still run only on first use.
 */
const bundleLazyRequires = {
  name: 'bundle-lazy-requires',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => ({
      contents: (await fs.promises.readFile(args.path, 'utf8')).replaceAll(
        'createRequire(import.meta.url)(',
        'require(',
      ),
      loader: 'ts',
    }));
  },
};

fs.rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });

fs.mkdirSync(path.join(DIST, 'meta'));
for (const [name, entry] of Object.entries(BUNDLES)) {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: path.join(DIST, `${name}.cjs`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Less text for V8 to parse on every start; identifiers stay, so a stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    metafile: true,
    logLevel: 'warning',
    plugins: [bundleLazyRequires],
  });
  if (result.warnings.length > 0) throw new Error(`esbuild warned about ${entry}; a bundle must build cleanly`);
  fs.writeFileSync(path.join(DIST, 'meta', `${name}.json`), JSON.stringify(result.metafile, null, 1));
}

await writeCliText(path.join(DIST, 'cli-text.json'));
