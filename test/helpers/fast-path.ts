// Whether a command ran on a fast path: a --require probe reports every CommonJS module
// the process loaded, and the full CLI is an ES module graph that the probe never sees,
// so a fast path shows exactly the launcher and its one bundle.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, type Sandbox } from './cli.js';

export interface ProbedRun {
  stdout: string;
  stderr: string;
  code: number | null;
  /** the CommonJS modules loaded, relative to the repository */
  modules: string[];
}

export async function runProbed(box: Sandbox, args: string[], env: Record<string, string | undefined> = {}) {
  const probe = box.path('probe.cjs');
  fs.writeFileSync(
    probe,
    "process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n",
  );
  const r = await box.run(args, { env: { ...env, NODE_OPTIONS: `--require ${probe}` } });
  const match = /MODULES (.*)\n/.exec(r.stderr);
  const modules = match ? (JSON.parse(match[1]) as string[]).filter((m) => m !== probe) : [];
  return {
    stdout: r.stdout,
    stderr: r.stderr.replace(/MODULES .*\n/, ''),
    code: r.code,
    modules: modules.map((m) => path.relative(ROOT, m)).sort(),
  } satisfies ProbedRun;
}

/** What a `get` answered on the fast path loads, and nothing else. */
export const FAST_GET_MODULES = ['bin/kamal-secret.js', 'dist/fast-get.cjs'];
