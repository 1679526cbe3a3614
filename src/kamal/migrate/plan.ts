// `kamal migrate`, first half: the plan. Evaluate the old files of each deploy as Kamal
// reads them (evaluate.ts; commands run once, through commands.ts), compare with real
// `kamal secrets print` when the app has a Kamal, pick the values (decide.ts), their
// scopes (scopes.ts) and the new files (layout.ts). A command that fails or prints
// nothing, an empty value, a name env mode cannot carry, or real Kamal disagreeing
// stops it here, before anything changes. apply.ts carries the plan out.

import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import { formatRef, isValidName, scopeChain, splitRef } from '../../light/refs.js';
import { environmentCopy, own } from '../../light/tables.js';
import type { VaultSession } from '../../vault/session.js';
import { type DeployConfig, listDestinations, readDeployConfig, secretsFiles } from '../deploy-config.js';
import { type DotenvVersion, parseSecretsFile } from '../dotenv-model.js';
import { RUN_NOTHING } from '../env-references.js';
import { fetchOptions } from '../kamal-secrets-command.js';
import { fetchRequest, isCovered, unsupportedAdapter } from './adapters/index.js';
import { CommandRunner, fetchArguments } from './commands.js';
import { type Alteration, alterations, deliveredValues, type Pick, type Stored, storedValues } from './decide.js';
import {
  type Deploy,
  type DeployEvaluation,
  entryCommands,
  evaluateDeploy,
  type Origin,
  type Problem,
} from './evaluate.js';
import { type FilePlan, planFiles } from './layout.js';
import { findKamal, lockedDotenv, printThroughKamal, type RealKamal, unusable } from './real-kamal.js';
import { planScopes, type SecretPlan, type Write } from './scopes.js';
import { digest } from './verify.js';

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
  hooksPath: string;
}

export async function planMigration(opts: MigrateOptions): Promise<Plan> {
  const { root } = opts;
  const config = readDeployConfig(root);
  const app = opts.scopeFor(undefined);
  if (app === '' || app.includes('/'))
    throw new UserError(
      `kamal migrate stores secrets in the app's scope, but the scope here is ${app || 'the global one'}`,
      {
        fix: 'give config/deploy.yml a service:, and unset KAMAL_SECRET_SCOPE',
      },
    );
  const locked = lockedDotenv(root);
  const versions: DotenvVersion[] = locked ? [locked] : ['3.1', '3.2'];
  const kamal = usableKamal(root, opts);
  const vault = await vaultSnapshot(opts.session);
  const { deploys, full } = selectDeploys(config, opts, vault);
  if (!kamal) refuseUncoveredAdapters(root, deploys);
  const runner = new CommandRunner({ cwd: root, kamal, lookup: (name, chain) => lookupIn(vault, name, chain) });

  const read = readOldFiles(deploys, { root, versions, kamal, runner });
  const migrates = (d: { common: boolean }) => full || !d.common;
  const altered = alterations(read, migrates);
  const picks = altered.length && opts.decide ? await opts.decide(altered) : new Map<string, Pick>();
  const { stored, expected, notMigrated } = valuesToStore(read, picks, migrates, full);

  return {
    root,
    app,
    deploys: deploys.map((d) => d.deploy),
    versions,
    kamal,
    ...planScopes(app, stored, vault, full),
    notMigrated,
    files: planFiles(path.resolve(root, config.secretsPath), new Map([...stored].map(([d, m]) => [d, [...m.keys()]])), {
      full,
      hasDestinations: listDestinations(root).length > 0,
    }),
    expected,
    runner,
    secretsPath: config.secretsPath,
    hooksPath: config.hooksPath,
  };
}

interface DeployToRead {
  deploy: Deploy;
  /** the environment Kamal runs with for it today */
  env: NodeJS.ProcessEnv;
  /** what deploy.yml (with deploy.DEST.yml) needs */
  needed: Map<string, string>;
}

/**
 * The deploys to migrate: the -d ones, else every deploy of the app (the plain one when
 * it has its own file or there are no destinations, and each destination). `full` when
 * that is all of them, so that .kamal/secrets-common may be rewritten.
 */
function selectDeploys(config: DeployConfig, opts: MigrateOptions, vault: Map<string, string>) {
  const { root } = opts;
  const destinations = listDestinations(root);
  const everyDeploy = [
    ...(fs.existsSync(secretsFiles(config)[1]) || destinations.length === 0 ? [undefined] : []),
    ...destinations,
  ];
  const selected = opts.destinations.length ? [...new Set(opts.destinations)] : everyDeploy;
  const deploys: DeployToRead[] = selected.map((d) => {
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
      { fix: 'run kamal-secret kamal init to start in env mode' },
    );
  return { deploys, full: everyDeploy.every((d) => selected.includes(d)) };
}

/** The app's Kamal when it runs and is Kamal 2; else null, saying why when one was found. */
function usableKamal(root: string, opts: MigrateOptions): RealKamal | null {
  const kamal = findKamal(root, opts.env);
  const broken = kamal && unusable(kamal, { cwd: root, env: opts.env });
  if (!broken) return kamal;
  opts.warn(`${broken}: evaluating without Kamal, and verifying without real kamal secrets print`);
  return null;
}

type ReadDeploy = { evaluation: DeployEvaluation; delivered: Map<string, string | undefined> };

/** Each deploy's old files as Kamal reads them (and as real Kamal prints them); stops on any problem. */
function readOldFiles(
  deploys: DeployToRead[],
  ctx: { root: string; versions: DotenvVersion[]; kamal: RealKamal | null; runner: CommandRunner },
): ReadDeploy[] {
  const read: ReadDeploy[] = [];
  const problems: Problem[] = [];
  const disagreements: Problem[] = [];
  for (const { deploy, env, needed } of deploys) {
    const exec = ctx.runner.executor(env, deploy.scope);
    const evaluation = evaluateDeploy(deploy, {
      root: ctx.root,
      versions: ctx.versions,
      env,
      exec,
      needed,
      intendedOutput: (o) => ctx.runner.intendedOutput(o),
    });
    problems.push(...evaluation.problems);
    let printed: Map<string, string> | undefined;
    if (ctx.kamal && problems.length === 0) {
      const names = new Set([...evaluation.names.keys(), ...evaluation.intermediates.map((d) => d.name)]);
      const before = printThroughKamal(ctx.kamal, deploy.destination, names, { cwd: ctx.root, env });
      if (before.ok) printed = before.values;
      else disagreements.push({ name: null, origin: null, what: before.reason });
    }
    const resolved = deliveredValues(evaluation, ctx.versions, printed);
    disagreements.push(...resolved.problems);
    read.push({ evaluation, delivered: resolved.delivered });
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
  return read;
}

/**
 * Per deploy: the values to store (those `migrates` accepts), and the SHA-256 of what it
 * must get afterwards (those, and as before what stays in files not rewritten).
 */
function valuesToStore(
  read: ReadDeploy[],
  picks: Map<string, Pick>,
  migrates: (s: { common: boolean }) => boolean,
  full: boolean,
) {
  const stored = new Map<Deploy, Map<string, Stored>>();
  const expected = new Map<Deploy, Map<string, string>>();
  const notMigrated: NotMigrated[] = [];
  const unfit: Problem[] = [];
  for (const { evaluation, delivered } of read) {
    const { deploy } = evaluation;
    const migrated = new Map([...storedValues(evaluation, delivered, picks)].filter(([, s]) => migrates(s)));
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
    const kept = [...delivered].filter((e): e is [string, string] => !migrated.has(e[0]) && e[1] !== undefined);
    const after = [...[...migrated].map(([n, s]): [string, string] => [n, s.value]), ...kept];
    expected.set(deploy, new Map(after.map(([n, v]) => [n, digest(v)])));
    if (full)
      for (const d of evaluation.intermediates)
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
  return { stored, expected, notMigrated: dedupe(notMigrated) };
}

/**
 * Every text secret by reference, the app's team vault's readable ones included (commands in
 * the old files may read any scope); a binary secret is no value a secrets file can hold.
 */
async function vaultSnapshot(session: VaultSession): Promise<Map<string, string>> {
  return new Map((await session.all()).secrets);
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
  const out = environmentCopy(env);
  if (deploy.destination) out.KAMAL_DESTINATION = deploy.destination;
  else delete out.KAMAL_DESTINATION;
  for (const scope of [...scopeChain(deploy.scope)].reverse())
    for (const [ref, value] of vault) {
      const { scope: s, name } = splitRef(ref);
      if (s === scope && own(env, name) === undefined) out[name] = value;
    }
  return out;
}

/** Before any command runs: a `kamal secrets fetch` with an adapter only Kamal can evaluate. */
function refuseUncoveredAdapters(root: string, deploys: DeployToRead[]): void {
  for (const { deploy, env } of deploys)
    for (const file of deploy.files)
      for (const e of parseSecretsFile(fs.readFileSync(file, 'utf8'), '3.2', env, RUN_NOTHING).entries)
        for (const command of entryCommands(e)) {
          const args = fetchArguments(command.slice(2, -1));
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

function dedupe(list: NotMigrated[]): NotMigrated[] {
  const seen = new Set<string>();
  return list.filter((n) => {
    const key = `${n.name}\0${n.origin.file}\0${n.origin.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
