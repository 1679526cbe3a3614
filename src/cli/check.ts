import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { UserError } from '../errors.js';
import type { CheckReport } from '../kamal/check/check.js';
import type { DotenvVersion } from '../kamal/dotenv-model.js';
import { findApp } from '../light/app.js';
import { bold, json, out, warn } from '../term/output.js';
import type { VaultSession } from '../vault/session.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('check')
    .description('lint config/deploy.yml and .kamal/secrets* against how Kamal really parses them')
    .option('-d, --destination <dest>', 'check this destination only (default: the plain deploy and every destination)')
    .option('--json', 'print {"files", "findings"} as JSON')
    .option('--exec', 'also run commands other than kamal-secret get and file reads (cat, grep, cut), as Kamal would')
    .addOption(
      new Option('--dotenv <version>', "the dotenv gem's behaviour to model")
        .choices(['3.1', '3.2', 'both'])
        .default('both'),
    )
    .action(async (opts: { destination?: string; json?: boolean; exec?: boolean; dotenv: string }) => {
      const app = findApp(ctx.cwd);
      if (!app) throw new UserError('no config/deploy.yml here or above; run check inside a Kamal app');
      const { check } = await import('../kamal/check/check.js');
      const destinations = opts.destination ? [opts.destination] : await defaultDestinations(app.root);
      const vault = await readWholeVault(ctx);
      const report = check({
        root: app.root,
        destinations,
        versions: opts.dotenv === 'both' ? ['3.1', '3.2'] : [opts.dotenv as DotenvVersion],
        exec: Boolean(opts.exec),
        env: ctx.env,
        vault: vault.secrets,
      });
      if (vault.note) warn(`the vault was not read, so kamal-secret get lines were not checked: ${vault.note}`);
      if (opts.json) json(report);
      else print(report, ctx.cwd);
      if (report.findings.some((f) => f.severity === 'error')) process.exitCode = 1;
    });
  example(cmd, 'kamal-secret check\nkamal-secret check -d production --json');
}

/** Without -d: the plain deploy (when it has a secrets file or there are no destinations) and each destination. */
async function defaultDestinations(root: string): Promise<(string | undefined)[]> {
  const { listDestinations, readDeployConfig, secretsFiles } = await import('../kamal/deploy-config.js');
  const destinations = listDestinations(root);
  const plain = secretsFiles(readDeployConfig(root))[1];
  return [...(fs.existsSync(plain) || destinations.length === 0 ? [undefined] : []), ...destinations];
}

/** Every secret by reference, or null with the reason when the vault cannot be opened. */
async function readWholeVault(ctx: CliContext): Promise<{ secrets: Map<string, string> | null; note?: string }> {
  try {
    return { secrets: await ctx.withSession(allSecrets) };
  } catch (err) {
    if (err instanceof UserError) return { secrets: null, note: err.message };
    throw err;
  }
}

async function allSecrets(session: VaultSession): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const scope of new Set((await session.list()).map((e) => e.scope))) {
    for (const found of (await session.visible([scope])).values()) all.set(found.ref, found.value);
  }
  return all;
}

function print(report: CheckReport, cwd: string): void {
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
    `checked ${report.files.map((f) => path.relative(cwd, f) || f).join(', ') || 'no secrets files'}: ${count('error', 'error')}, ${count('warning', 'warning')}, ${count('info', 'note')}`,
  );
}
