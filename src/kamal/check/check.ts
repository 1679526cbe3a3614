// `kamal-secret check`: read deploy.yml and the secrets files as Kamal does, on each
// dotenv version, and report every line that would deliver a missing, empty,
// truncated or altered secret, or make the deploy fail (reference §pitfalls).

import fs from 'node:fs';
import path from 'node:path';
import { readConfig } from '../../config.js';
import { UserError } from '../../errors.js';
import { findApp } from '../../light/app.js';
import { scopeChain, splitRef, winningRef, winningRefs } from '../../light/refs.js';
import { resolveScope } from '../../light/scope.js';
import { environmentCopy } from '../../light/tables.js';
import type { AllSecrets, Found, Unreadable } from '../../vault/secrets.js';
import { type Delivery, deliver, kamalEnvironment } from '../delivery.js';
import { type DeployConfig, listDestinations, readDeployConfig, secretsFiles } from '../deploy-config.js';
import { type CommandOutcome, type DotenvVersion, type Executor, parseSecretsFile } from '../dotenv-model.js';
import { RUN_NOTHING } from '../env-references.js';
import { isGuardHook } from '../hook.js';
import { type Lookup, makeExecutor } from './executor.js';
import { type Finding, fileFindings } from './line-findings.js';
import { closestName } from './suggest.js';

export type { Finding, Severity } from './line-findings.js';

export interface CheckOptions {
  root: string;
  /** destinations to check; [undefined] is the plain deploy */
  destinations: (string | undefined)[];
  versions: DotenvVersion[];
  exec: boolean;
  env: NodeJS.ProcessEnv;
  /** the vault, or null when it cannot be read */
  vault: VaultContents | null;
}

/** The vault as check reads it: every text secret by reference, the references of the binary ones, and the team's it cannot read. */
export interface VaultContents {
  secrets: Map<string, string>;
  binary: ReadonlySet<string>;
  unreadable: ReadonlyMap<string, Unreadable>;
  /** the secrets of a team vault its reader has not joined: what get says of a name nothing else answers */
  unjoined: ReadonlyMap<string, Unreadable>;
}

/** VaultContents from what the vault session or the agent answers to `all`. */
export const vaultContents = (all: AllSecrets): VaultContents => ({
  secrets: new Map(all.secrets),
  binary: new Set(all.binary),
  unreadable: new Map((all.unreadable ?? []).map((u) => [u.ref, u])),
  unjoined: new Map((all.unjoined ?? []).map((u) => [u.ref, u])),
});

export interface CheckReport {
  files: string[];
  findings: Finding[];
}

type VersionedFinding = Finding & { version?: DotenvVersion };

export function check(opts: CheckOptions): CheckReport {
  const app = appFacts(opts);
  const files = new Set<string>();
  const byKey = new Map<string, { finding: Finding; versions: Set<DotenvVersion | undefined> }>();
  for (const destination of opts.destinations) {
    const config = readDeployConfig(opts.root, destination);
    for (const { version, ...finding } of checkDestination(config, destination, opts, app)) {
      const key = `${finding.file}\0${finding.line}\0${finding.code}\0${finding.name}`;
      const known = byKey.get(key);
      if (known) known.versions.add(version);
      else byKey.set(key, { finding, versions: new Set([version]) });
    }
    for (const file of secretsFiles(config, destination)) if (fs.existsSync(file)) files.add(file);
  }
  const findings = [...byKey.values()].map(({ finding, versions }) =>
    versions.has(undefined) || versions.size === opts.versions.length || finding.message.includes('dotenv')
      ? finding
      : { ...finding, message: `${finding.message} (on dotenv ${[...versions].join(' and ')})` },
  );
  const rank = { error: 0, warning: 1, info: 2 };
  findings.sort((a, b) =>
    a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) || rank[a.severity] - rank[b.severity] : a.file < b.file ? -1 : 1,
  );
  return { files: [...files], findings };
}

/** What holds for every destination: who needs which name, the names a typo is compared with, the hook. */
interface AppFacts {
  /** the names each destination's deploy needs (undefined: the plain deploy) */
  neededBy: Map<string | undefined, Map<string, string>>;
  known: Set<string>;
  guarded: boolean;
}

function appFacts(opts: CheckOptions): AppFacts {
  const plain = readDeployConfig(opts.root);
  const neededBy = new Map<string | undefined, Map<string, string>>([[undefined, plain.needed]]);
  for (const d of listDestinations(opts.root)) neededBy.set(d, readDeployConfig(opts.root, d).needed);
  const known = new Set<string>();
  for (const needed of neededBy.values()) for (const name of needed.keys()) known.add(name);
  for (const ref of [...(opts.vault?.secrets.keys() ?? []), ...(opts.vault?.binary ?? [])])
    known.add(splitRef(ref).name);
  for (const d of neededBy.keys())
    for (const file of secretsFiles(plain, d)) for (const name of namesIn(file)) known.add(name);
  const hook = path.join(plain.root, plain.hooksPath, 'pre-connect');
  return { neededBy, known, guarded: fs.existsSync(hook) && isGuardHook(fs.readFileSync(hook, 'utf8')) };
}

/** The names a secrets file defines, without running anything; none when it does not exist. */
function namesIn(file: string): string[] {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return [];
  return parseSecretsFile(fs.readFileSync(file, 'utf8'), '3.1', {}, RUN_NOTHING).entries.map((e) => e.name);
}

function checkDestination(
  config: DeployConfig,
  destination: string | undefined,
  opts: CheckOptions,
  app: AppFacts,
): VersionedFinding[] {
  const out: VersionedFinding[] = [];
  const scope = runScope(config, destination, opts.env);
  const seen = opts.vault ? runSees(opts.vault, scopeChain(scope)) : null;
  const visible = seen && new Map([...seen].flatMap(([name, a]) => ('value' in a ? [[name, a] as const] : [])));
  // `kamal-secret run` puts the vault's secrets into Kamal's environment (env mode), over the inherited ones.
  const runEnv = environmentCopy(opts.env);
  for (const [name, f] of visible ?? []) runEnv[name] = f.value;
  const env = kamalEnvironment(runEnv, destination);
  const exec = once(
    makeExecutor({
      cwd: config.root,
      env,
      exec: opts.exec,
      lookup: (name, chain) => lookupIn(opts.vault, name, chain),
    }),
  );
  const rel = (file: string) => path.relative(config.root, file) || file;
  const where = destination ? ` (with -d ${destination})` : '';
  const [commonFile, mainFile] = secretsFiles(config, destination);
  const deliveries = new Map<DotenvVersion, Delivery>();

  for (const version of opts.versions) {
    const delivery = deliver(config, destination, version, env, exec);
    deliveries.set(version, delivery);
    const commonNames = new Set(delivery.files.find((f) => f.path === commonFile)?.parsed.entries.map((e) => e.name));
    for (const file of delivery.files) {
      const context = {
        file: rel(file.path),
        version,
        visible,
        commonNames: file.path === commonFile ? new Set<string>() : commonNames,
        scopeLabel: scope || '(global)',
        needed: config.needed,
        known: app.known,
      };
      const findings = fileFindings(file.parsed, context);
      out.push(
        ...(file.path === commonFile ? blockedByOtherDestinations(findings, delivery, destination, app) : findings).map(
          (f) => ({ ...f, version }),
        ),
      );
    }
  }

  const present = [commonFile, mainFile].filter((f) => fs.existsSync(f));
  const target = rel(present.at(-1) ?? mainFile);
  const definedNames = new Set([...deliveries.values()].flatMap((d) => [...d.values.keys()]));
  for (const [name, from] of config.needed) {
    // when Kamal aborts, that is the finding: nothing is delivered, so nothing is missing
    const missingOn = opts.versions.filter(
      (v) => !deliveries.get(v)?.abortedBy && !deliveries.get(v)?.values.has(name),
    );
    if (missingOn.length === 0) continue;
    const typo = closestName(name, definedNames);
    out.push({
      file: target,
      line: null,
      name,
      severity: 'error',
      code: 'missing-secret',
      message: `deploy.yml needs ${name} (${from}) but no secrets file Kamal reads${where} defines it${versionNote(missingOn, opts.versions)}: the deploy aborts with "Secret '${name}' not found"`,
      fix: typo
        ? `the files define ${typo}: if that is meant to be ${name}, correct its name`
        : `add ${name}=$${name} to ${target} (and kamal-secret set ${name})`,
    });
  }
  if (present.length === 0 && config.needed.size > 0) {
    out.push({
      file: target,
      line: null,
      name: null,
      severity: 'error',
      code: 'no-secrets-file',
      message: `no secrets file${where}: Kamal reads ${[commonFile, mainFile].map(rel).join(' and ')}`,
      fix: 'run: kamal-secret kamal init',
    });
  }
  if (destination) out.push(...droppedNames(config, destination, deliveries, rel));
  const refusedBy = [...(seen?.values() ?? [])];
  for (const { unreadable: u } of refusedBy.filter((a) => 'unreadable' in a))
    out.push({
      file: target,
      line: null,
      name: splitRef(u.ref).name,
      severity: 'warning',
      code: 'no-access',
      message: `${u.ref}: ${u.why}: kamal-secret run${where} refuses to start while it is visible (kamal-secret get lines for it fail)`,
      fix: u.fix,
    });
  for (const { binary: ref } of refusedBy.filter((a) => 'binary' in a))
    out.push({
      file: target,
      line: null,
      name: splitRef(ref).name,
      severity: 'warning',
      code: 'binary-secret',
      message: `${ref} holds binary data, which cannot be an environment variable: kamal-secret run${where} refuses to start while it is visible (kamal-secret get lines are not affected)`,
      fix: `store it as text (base64 FILE | kamal-secret set ${ref}), or move it to a scope this deploy does not read`,
    });
  return out;
}

/** The scope `kamal-secret run -- kamal … -d DEST` injects: resolved as every command resolves it. */
function runScope(config: DeployConfig, destination: string | undefined, env: NodeJS.ProcessEnv): string {
  try {
    return resolveScope({ destination }, readConfig(kamalEnvironment(env, destination)), findApp(config.root));
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return config.service ? (destination ? `${config.service}/${destination}` : config.service) : '';
  }
}

/** Each distinct command runs once per deploy checked, however many dotenv versions are modelled. */
function once(exec: Executor): Executor {
  const outcomes = new Map<string, CommandOutcome>();
  return (command) => {
    const known = outcomes.get(command);
    if (known) return known;
    const outcome = exec(command);
    outcomes.set(command, outcome);
    return outcome;
  };
}

/**
 * A name in secrets-common that only other destinations need, and that this one
 * delivers empty: the pre-connect guard refuses every empty secret, so it blocks this
 * destination's deploy. Its findings become that one.
 */
function blockedByOtherDestinations(
  findings: Finding[],
  delivery: Delivery,
  destination: string | undefined,
  app: AppFacts,
): Finding[] {
  const needers = (name: string) =>
    [...app.neededBy]
      .filter(([d, needed]) => d !== undefined && d !== destination && needed.has(name))
      .map(([d]) => d!);
  const blocked = new Map<string, string[]>();
  for (const f of findings) {
    if (!f.name || blocked.has(f.name) || app.neededBy.get(destination)?.has(f.name)) continue;
    const others = needers(f.name);
    if (others.length && delivery.values.get(f.name)?.value === '') blocked.set(f.name, others);
  }
  return findings.flatMap((f) => {
    const others = f.name ? blocked.get(f.name) : undefined;
    if (!others || !f.name) return [f];
    if (f.severity !== 'error' || findings.find((g) => g.name === f.name && g.severity === 'error') !== f) return [];
    const dest = destination ? `-d ${destination}` : 'no destination';
    const files = others.map((d) => `.kamal/secrets.${d}`).join(' and ');
    return [
      {
        ...f,
        severity: app.guarded ? 'error' : 'warning',
        code: 'destination-only-name',
        message: `${f.name} is needed only by ${others.map((d) => `-d ${d}`).join(' and ')}, but ${f.file} gives it to every destination: with ${dest} it is empty, ${app.guarded ? 'and the pre-connect hook refuses to deploy with an empty secret' : 'which the pre-connect hook of kamal-secret kamal init would refuse'}`,
        fix: `move the line to ${files}`,
      },
    ];
  });
}

/** With -d, plain .kamal/secrets is not read: names only it defines are missing. */
function droppedNames(
  config: DeployConfig,
  destination: string,
  deliveries: Map<DotenvVersion, Delivery>,
  rel: (file: string) => string,
): Finding[] {
  const plain = secretsFiles(config)[1];
  const delivered = [...deliveries.values()][0]?.values ?? new Map();
  return [...new Set(namesIn(plain))]
    .filter((name) => !delivered.has(name))
    .map((name) => ({
      file: rel(plain),
      line: null,
      name,
      severity: 'warning' as const,
      code: 'destination-drops-name',
      message: `${name} is defined in ${rel(plain)}, which Kamal does not read with -d ${destination}`,
      fix: `define ${name} in ${rel(secretsFiles(config, destination)[1])} or in ${rel(secretsFiles(config)[0])}`,
    }));
}

/** What a reference answers: its text, or why it has none for run (binary data, a team secret its reader cannot have). */
type Answer = Found | { unreadable: Unreadable } | { binary: string };

/** The answer at `ref`, the team's before the personal vault's (the vault contents already hold the team's in its place). */
function answerAt(vault: VaultContents, ref: string): Answer | null {
  const unreadable = vault.unreadable.get(ref);
  if (unreadable) return { unreadable };
  const value = vault.secrets.get(ref);
  if (value !== undefined) return { ref, value };
  return vault.binary.has(ref) ? { binary: ref } : null;
}

/** What `get` answers along `chain`, by the rule every lookup follows (winningRef). */
function lookupIn(vault: VaultContents | null, name: string, chain: string[]): Lookup {
  if (!vault) return undefined;
  const ref = winningRef(name, chain, (ref) => answerAt(vault, ref) !== null);
  if (ref !== null) return answerAt(vault, ref);
  const unjoined = winningRef(name, chain, (ref) => vault.unjoined.has(ref));
  return unjoined === null ? null : { unreadable: vault.unjoined.get(unjoined)! };
}

/** What `run` puts in the environment along `chain` (each name's winner), or refuses to. */
function runSees(vault: VaultContents, chain: string[]): Map<string, Answer> {
  const refs = [...vault.secrets.keys(), ...vault.binary, ...vault.unreadable.keys()];
  return new Map([...winningRefs(refs, chain)].map(([name, ref]) => [name, answerAt(vault, ref)!]));
}

const versionNote = (on: DotenvVersion[], all: DotenvVersion[]) =>
  on.length === all.length ? '' : ` (on dotenv ${on.join(' and ')})`;
