// `kamal-secret kamal migrate`: from whatever the app's secrets files do today (1Password,
// Bitwarden, LastPass through Kamal's adapters or their CLIs, a plaintext .env, literals)
// to the vault and env mode, verified.
//
//   plan:  evaluate the old files per deploy (evaluate.ts, commands run once), compare with
//          real `kamal secrets print` when the app has a Kamal, pick values (decide.ts),
//          scopes (scopes.ts) and files (layout.ts). Any failed or empty secret stops here,
//          before anything changes.
//   apply: write the vault, rewrite the files (old ones kept as *.before-migrate), verify
//          (verify.ts); any difference, or an interrupt, puts the files AND the vault back
//          as they were (each value written is restored or removed, unless someone changed
//          it meanwhile); only then install the pre-connect guard.

import fs from 'node:fs';
import path from 'node:path';
import { EXIT, UserError } from '../../errors.js';
import { formatRef, isValidName, scopeChain, splitRef } from '../../light/refs.js';
import type { VaultSession } from '../../vault/session.js';
import { listDestinations, readDeployConfig, secretsFiles } from '../deploy-config.js';
import { type DotenvVersion, parseSecretsFile } from '../dotenv-model.js';
import { RUN_NOTHING } from '../env-references.js';
import { installHook } from '../init.js';
import { fetchOptions } from '../kamal-secrets-command.js';
import { fetchRequest, isCovered, unsupportedAdapter } from './adapters/index.js';
import { CommandRunner, fetchArguments } from './commands.js';
import { type Alteration, alterations, deliveredValues, type Pick, type Stored, storedValues } from './decide.js';
import { type Deploy, type DeployEvaluation, evaluateDeploy, type Origin, type Problem } from './evaluate.js';
import { checkBackups, type FilePlan, planFiles, rewriteFiles } from './layout.js';
import { findKamal, lockedDotenv, printThroughKamal, type RealKamal, unusable } from './real-kamal.js';
import { planScopes, type SecretPlan, type Write } from './scopes.js';
import { type Difference, digest, type ModelCheck, verifyWithKamal, verifyWithModel } from './verify.js';

export interface MigrateOptions {
  root: string;
  /** -d: the destinations to migrate; empty: every deploy of the app */
  destinations: string[];
  env: NodeJS.ProcessEnv;
  /** the vault scope `kamal-secret run` uses for a deploy (APP, or APP/DEST) */
  scopeFor: (destination: string | undefined) => string;
  session: VaultSession;
  /** asks which value to store for names the old files delivered altered; absent: the meant values */
  decide?: (alterations: Alteration[]) => Promise<Map<string, Pick>>;
  warn: (line: string) => void;
}

export interface NotMigrated {
  name: string;
  origin: Origin;
  reason: string;
}

export interface Plan {
  root: string;
  app: string;
  deploys: Deploy[];
  versions: DotenvVersion[];
  kamal: RealKamal | null;
  secrets: SecretPlan[];
  notMigrated: NotMigrated[];
  files: FilePlan[];
  /** values to write: never printed */
  writes: Write[];
  conflicts: string[];
  /** per deploy, name → SHA-256 of what it must get after the migration */
  expected: Map<Deploy, Map<string, string>>;
  runner: CommandRunner;
  secretsPath: string;
}

export async function planMigration(opts: MigrateOptions): Promise<Plan> {
  const { root } = opts;
  const config = readDeployConfig(root);
  const destinations = listDestinations(root);
  const everyDeploy = [
    ...(fs.existsSync(secretsFiles(config)[1]) || destinations.length === 0 ? [undefined] : []),
    ...destinations,
  ];
  const selected = opts.destinations.length ? [...new Set(opts.destinations)] : everyDeploy;
  const full = everyDeploy.every((d) => selected.includes(d));
  const app = opts.scopeFor(undefined);
  if (app === '' || app.includes('/'))
    throw new UserError(
      `kamal migrate stores secrets in the app's scope, but the scope here is ${app ? app : 'the global one'}`,
      {
        fix: 'give config/deploy.yml a service:, and unset KAMAL_SECRET_SCOPE',
      },
    );

  const versions: DotenvVersion[] = lockedDotenv(root) ? [lockedDotenv(root)!] : ['3.1', '3.2'];
  let kamal = findKamal(root, opts.env);
  const broken = kamal && unusable(kamal, { cwd: root, env: opts.env });
  if (broken) {
    opts.warn(`${broken}: evaluating without Kamal, and verifying without real kamal secrets print`);
    kamal = null;
  }
  const vault = await vaultSnapshot(opts.session);
  const runner = new CommandRunner({ cwd: root, kamal, lookup: (name, chain) => lookupIn(vault, name, chain) });

  const deploys: { deploy: Deploy; env: NodeJS.ProcessEnv; needed: Map<string, string> }[] = selected.map((d) => {
    const cfg = readDeployConfig(root, d);
    const deploy = {
      destination: d,
      scope: opts.scopeFor(d),
      files: secretsFiles(cfg, d).filter((f) => fs.existsSync(f)),
    };
    return { deploy, env: kamalEnvironment(opts.env, vault, deploy), needed: cfg.needed };
  });
  if (deploys.every(({ deploy }) => deploy.files.length === 0))
    throw new UserError(
      `no secrets files to migrate: Kamal reads ${secretsFiles(config)
        .map((f) => path.relative(root, f))
        .join(' and ')}`,
      {
        fix: 'run kamal-secret kamal init to start in env mode',
      },
    );
  if (!kamal) refuseUncoveredAdapters(root, deploys);

  const evaluations: DeployEvaluation[] = [];
  const problems: Problem[] = [];
  const disagreements: Problem[] = [];
  const delivered = new Map<Deploy, Map<string, string | undefined>>();
  for (const { deploy, env, needed } of deploys) {
    const evaluation = evaluateDeploy(deploy, {
      root,
      versions,
      env,
      exec: runner.executor(env, deploy.scope),
      needed,
    });
    evaluations.push(evaluation);
    problems.push(...evaluation.problems);
    let printed: Map<string, string> | undefined;
    if (kamal && problems.length === 0) {
      const names = new Set([...evaluation.names.keys(), ...evaluation.intermediates.map((d) => d.name)]);
      const before = printThroughKamal(kamal, deploy.destination, names, { cwd: root, env });
      if (before.ok) printed = before.values;
      else disagreements.push({ name: null, origin: null, what: before.reason });
    }
    const resolved = deliveredValues(evaluation, versions, printed);
    disagreements.push(...resolved.problems);
    delivered.set(deploy, resolved.delivered);
  }
  stopOn(
    problems,
    'empty_secret',
    'make each command print its secret (or kamal-secret set NAME and write NAME=$NAME), then migrate again; migration never stores an empty value',
  );
  stopOn(
    disagreements,
    'not_verified',
    'run kamal-secret check, and report the line to kamal-secret if Kamal reads it otherwise',
  );

  const pairs = evaluations.map((evaluation) => ({ evaluation, delivered: delivered.get(evaluation.deploy)! }));
  const migrates = (d: { common: boolean }) => full || !d.common;
  const altered = alterations(pairs, migrates);
  const picks = altered.length && opts.decide ? await opts.decide(altered) : new Map<string, Pick>();

  const stored = new Map<Deploy, Map<string, Stored>>();
  const expected = new Map<Deploy, Map<string, string>>();
  const notMigrated: NotMigrated[] = [];
  const unfit: Problem[] = [];
  for (const { evaluation, delivered: values } of pairs) {
    const { deploy } = evaluation;
    const migrated = new Map([...storedValues(evaluation, values, picks)].filter(([, s]) => migrates(s)));
    for (const [name, s] of migrated) {
      if (s.value === '') unfit.push({ name, origin: s.origin, what: 'the value to store is empty' });
      if (!isValidName(name))
        unfit.push({
          name,
          origin: s.origin,
          what: 'an environment variable cannot have this name, so env mode cannot carry it',
        });
    }
    stored.set(deploy, migrated);
    // what the deploy must get afterwards: the stored values, and as before what stays in the old files
    const kept = [...values].filter(([name, v]) => !migrated.has(name) && v !== undefined) as [string, string][];
    expected.set(
      deploy,
      new Map([...[...migrated].map(([n, s]) => [n, s.value] as const), ...kept].map(([n, v]) => [n, digest(v)])),
    );
    for (const d of evaluation.intermediates)
      if (full)
        notMigrated.push({ name: d.name, origin: d.origin, reason: 'only later lines read it, inside their commands' });
    for (const [name, d] of evaluation.names)
      if (!migrated.has(name))
        notMigrated.push({
          name,
          origin: d.origin,
          reason: 'deploys not migrated here read it too: migrate without -d to move it',
        });
  }
  stopOn(
    unfit,
    'empty_secret',
    'give each a value and a name like NAME_1 (migration never stores an empty value), or remove the line',
  );

  const scopes = planScopes(app, stored, vault, full);
  const files = planFiles(
    path.resolve(root, config.secretsPath),
    new Map([...stored].map(([d, m]) => [d, [...m.keys()]])),
    {
      full,
      hasDestinations: destinations.length > 0,
    },
  );
  return {
    root,
    app,
    deploys: deploys.map((d) => d.deploy),
    versions,
    kamal,
    ...scopes,
    notMigrated: dedupe(notMigrated),
    files,
    expected,
    runner,
    secretsPath: config.secretsPath,
  };
}

export interface ApplyOptions {
  session: VaultSession;
  env: NodeJS.ProcessEnv;
  yes: boolean;
  /** the argv that starts kamal-secret, for `kamal-secret run -- kamal secrets print` */
  self: string[];
  /** aborted by an interrupt: the migration is undone */
  signal: AbortSignal;
  warn: (line: string) => void;
}

export interface Applied {
  /** with a real Kamal, which one verified the files */
  verifiedWith: string | null;
  hookNote: string;
}

export async function applyMigration(plan: Plan, opts: ApplyOptions): Promise<Applied> {
  if (plan.conflicts.length && !opts.yes)
    throw new UserError(`the vault already holds other values for ${plan.conflicts.join(', ')}; nothing was changed`, {
      code: 'conflict',
      fix: 'compare them (kamal-secret get REF), then migrate again with --yes to replace them',
    });
  checkBackups(plan.files, plan.root);
  const undoVault = await writeVault(plan.writes, opts);
  let undoFiles = () => {};
  const undo = async () => {
    undoFiles();
    await undoVault();
  };
  try {
    interrupted(opts.signal);
    undoFiles = rewriteFiles(plan.files);
    interrupted(opts.signal);
    const differences = await verify(plan, opts);
    interrupted(opts.signal);
    if (differences.length)
      throw new UserError(
        `the new files do not deliver what the old ones did, so the files and the vault are as they were: ${differences.map(describeDifference).join('; ')}`,
        {
          code: 'not_verified',
          fix: 'see kamal-secret check; kamal migrate --dry-run shows where each value comes from',
        },
      );
  } catch (err) {
    await undo();
    throw err;
  }
  return {
    verifiedWith: plan.kamal?.label ?? null,
    hookNote: installHook(path.join(plan.root, '.kamal', 'hooks'), plan.secretsPath),
  };
}

async function verify(plan: Plan, opts: ApplyOptions): Promise<Difference[]> {
  const checks: ModelCheck[] = [];
  for (const deploy of plan.deploys) {
    const config = readDeployConfig(plan.root, deploy.destination);
    checks.push({
      deploy,
      files: secretsFiles(config, deploy.destination).filter((f) => fs.existsSync(f)),
      expected: plan.expected.get(deploy)!,
      visible: await opts.session.visible(scopeChain(deploy.scope)),
    });
  }
  const differences = verifyWithModel(checks, plan.versions, opts.env, plan.runner);
  if (differences.length || !plan.kamal) return differences;
  return verifyWithKamal(checks, plan.kamal, opts.self, { cwd: plan.root, env: opts.env });
}

/** Write every value (one import per scope); returns what restores the vault as it was. */
async function writeVault(writes: Write[], opts: ApplyOptions): Promise<() => Promise<void>> {
  const byScope = new Map<string, [string, string][]>();
  for (const w of writes) {
    const { scope, name } = splitRef(w.ref);
    byScope.set(scope, [...(byScope.get(scope) ?? []), [name, w.value]]);
  }
  const undo = async () => {
    for (const w of [...writes].reverse()) {
      const { scope, name } = splitRef(w.ref);
      const now = (await opts.session.visible([scope])).get(name);
      if (now?.value !== w.value) {
        if (now !== undefined || w.previous !== undefined) opts.warn(`${w.ref} changed meanwhile; left as it is now`);
        continue;
      }
      await opts.session.mutate(
        w.previous === undefined ? { op: 'rm', ref: w.ref } : { op: 'set', ref: w.ref, value: w.previous },
      );
    }
  };
  try {
    for (const [scope, entries] of byScope) {
      const report = await opts.session.mutate({ op: 'import', scope, entries, overwrite: opts.yes });
      if ('skipped' in report && report.skipped.length)
        throw new UserError(
          `${report.skipped.map((n) => formatRef({ scope, name: n })).join(', ')} changed in the vault meanwhile; nothing was changed`,
          { code: 'conflict', fix: 'migrate again' },
        );
    }
  } catch (err) {
    await undo();
    throw err;
  }
  return undo;
}

function interrupted(signal: AbortSignal): void {
  if (signal.aborted)
    throw new UserError('interrupted; the files and the vault are as they were', {
      exit: EXIT.interrupted,
      code: 'cancelled',
    });
}

/** Every secret in the vault by reference (commands in the old files may read any scope). */
async function vaultSnapshot(session: VaultSession): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const scope of new Set((await session.list()).map((e) => e.scope)))
    for (const found of (await session.visible([scope])).values()) all.set(found.ref, found.value);
  return all;
}

function lookupIn(vault: Map<string, string>, name: string, chain: string[]) {
  for (const scope of chain) {
    const ref = formatRef({ scope, name });
    const value = vault.get(ref);
    if (value !== undefined) return { ref, value };
  }
  return null;
}

/**
 * The environment Kamal runs with for this deploy today: the caller's, KAMAL_DESTINATION
 * as Kamal sets it, and the vault's values for names the environment lacks (an app
 * already half in env mode, deployed with kamal-secret run).
 */
function kamalEnvironment(env: NodeJS.ProcessEnv, vault: Map<string, string>, deploy: Deploy): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  if (deploy.destination) out.KAMAL_DESTINATION = deploy.destination;
  else delete out.KAMAL_DESTINATION;
  for (const scope of [...scopeChain(deploy.scope)].reverse())
    for (const [ref, value] of vault) {
      const { scope: s, name } = splitRef(ref);
      if (s === scope && env[name] === undefined) out[name] = value;
    }
  return out;
}

/** Before any command runs: a `kamal secrets fetch` with an adapter only Kamal can evaluate. */
function refuseUncoveredAdapters(root: string, deploys: { deploy: Deploy; env: NodeJS.ProcessEnv }[]): void {
  for (const { deploy, env } of deploys)
    for (const file of deploy.files)
      for (const e of parseSecretsFile(fs.readFileSync(file, 'utf8'), '3.2', env, RUN_NOTHING).entries)
        for (const { command } of e.commands) {
          const args = fetchArguments(command);
          const opts = args && fetchOptions(args);
          const req = opts?.adapter ? fetchRequest({ ...opts, adapter: opts.adapter }) : null;
          if (req && req.adapter !== 'test' && !isCovered(req.adapter))
            throw unsupportedAdapter(opts!.adapter!, `${path.relative(root, file)}:${e.line}`);
        }
}

function stopOn(problems: Problem[], code: 'empty_secret' | 'not_verified', fix: string): void {
  if (problems.length === 0) return;
  const described = problems.map((p) => {
    const where = p.origin ? `${p.origin.file}:${p.origin.line}` : '';
    return p.name ? `${p.name}${where ? ` (${where})` : ''}: ${p.what}` : `${where ? `${where}: ` : ''}${p.what}`;
  });
  throw new UserError(`kamal migrate stopped before changing anything: ${described.join('; ')}`, { code, fix });
}

const describeDifference = (d: Difference) => `${d.destination ? `${d.destination} ` : ''}${d.name}: ${d.why}`;

function dedupe(list: NotMigrated[]): NotMigrated[] {
  const seen = new Set<string>();
  return list.filter((n) => {
    const key = `${n.name}\0${n.origin.file}\0${n.origin.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
