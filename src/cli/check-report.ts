// `kamal-secret check` without commander: the report on an app and how it is printed. Shared by the full CLI (cli/check.ts) and the fast path (cli/fast-check.ts,
// bundled on its own), so that both check every app the same way.

import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { type CheckReport, check, vaultContents } from '../kamal/check/check.js';
import { listDestinations, readDeployConfig, secretsFiles } from '../kamal/deploy-config.js';
import type { DotenvVersion } from '../kamal/dotenv-model.js';
import { bold, json, out } from '../term/output.js';
import type { AllSecrets } from '../vault/secrets.js';
import type { CheckArgs } from './check-args.js';

/**
 * The report on the app at `root`. `readVault` gives every secret by reference (null:
 * not read); it is asked only once deploy.yml has been read, so a broken config is
 * reported before any unlock.
 */
export async function checkApp(
  args: CheckArgs,
  root: string,
  env: NodeJS.ProcessEnv,
  readVault: () => Promise<AllSecrets | null>,
): Promise<CheckReport> {
  const destinations = args.destination ? [args.destination] : defaultDestinations(root);
  return check({
    root,
    destinations,
    versions: args.dotenv === 'both' ? ['3.1', '3.2'] : [args.dotenv as DotenvVersion],
    exec: args.exec,
    env,
    vault: await readVault().then((answer) => answer && vaultContents(answer)),
  });
}

/** Without -d: the plain deploy (when it has a secrets file or there are no destinations) and each destination. */
function defaultDestinations(root: string): (string | undefined)[] {
  const destinations = listDestinations(root);
  const plain = secretsFiles(readDeployConfig(root))[1];
  return [...(existsSync(plain) || destinations.length === 0 ? [undefined] : []), ...destinations];
}

/** Print the report (JSON with --json) and return the exit status: 1 on any error. */
export function printReport(report: CheckReport, args: CheckArgs, cwd: string): number {
  if (args.json) json(report);
  else printText(report, cwd);
  return report.findings.some((f) => f.severity === 'error') ? 1 : 0;
}

function printText(report: CheckReport, cwd: string): void {
  for (const f of report.findings) {
    const where = `${f.file}${f.line ? `:${f.line}` : ''}`;
    out(
      `${where}: ${f.severity === 'error' ? bold(f.severity) : f.severity}: ${f.message} [${f.code}]\n    fix: ${f.fix}`,
    );
  }
  const count = (severity: string, word: string) => {
    const n = report.findings.filter((f) => f.severity === severity).length;
    return `${n} ${word}${n === 1 ? '' : 's'}`;
  };
  out(
    `checked ${report.files.map((f) => relative(cwd, f) || f).join(', ') || 'no secrets files'}: ${count('error', 'error')}, ${count('warning', 'warning')}, ${count('info', 'note')}`,
  );
}
