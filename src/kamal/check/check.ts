// `kamal-secret check`: read deploy.yml and the secrets files as Kamal does, on each
// dotenv version, and report every line that would deliver a missing, empty,
// truncated or altered secret, or make the deploy fail (reference §pitfalls).

import fs from 'node:fs';
import path from 'node:path';
import { formatRef, scopeChain, splitRef } from '../../light/refs.js';
import type { Found } from '../../vault/secrets.js';
import { type DeployConfig, readDeployConfig, secretsFiles } from '../deploy-config.js';
import { type DotenvVersion, type Entry, parseSecretsFile } from '../dotenv-model.js';
import { RUN_NOTHING } from '../env-references.js';
import { makeExecutor } from './executor.js';
import { type Finding, fileFindings } from './line-findings.js';

export type { Finding, Severity } from './line-findings.js';

export interface CheckOptions {
  root: string;
  /** destinations to check; [undefined] is the plain deploy */
  destinations: (string | undefined)[];
  versions: DotenvVersion[];
  exec: boolean;
  env: NodeJS.ProcessEnv;
  /** every secret in the vault by reference, or null when the vault cannot be read */
  vault: Map<string, string> | null;
}

export interface CheckReport {
  files: string[];
  findings: Finding[];
}

export function check(opts: CheckOptions): CheckReport {
  const files = new Set<string>();
  const byKey = new Map<string, { finding: Finding; versions: Set<DotenvVersion | undefined> }>();
  const add = (f: Finding & { version?: DotenvVersion }) => {
    const { version, ...finding } = f;
    const key = `${f.file}\0${f.line}\0${f.code}\0${f.name}`;
    const known = byKey.get(key);
    if (known) known.versions.add(version);
    else byKey.set(key, { finding, versions: new Set([version]) });
  };
  for (const destination of opts.destinations) {
    const config = readDeployConfig(opts.root, destination);
    for (const f of checkDestination(config, destination, opts)) add(f);
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

function checkDestination(
  config: DeployConfig,
  destination: string | undefined,
  opts: CheckOptions,
): (Finding & { version?: DotenvVersion })[] {
  const out: (Finding & { version?: DotenvVersion })[] = [];
  const scope = config.service ? (destination ? `${config.service}/${destination}` : config.service) : '';
  const visible = opts.vault ? visibleFrom(opts.vault, scopeChain(scope)) : null;
  const env: NodeJS.ProcessEnv = { ...opts.env, ...(destination ? { KAMAL_DESTINATION: destination } : {}) };
  // `kamal-secret run` puts the vault's secrets into Kamal's environment (env mode).
  const runEnv: Record<string, string | undefined> = { ...env };
  for (const [name, f] of visible ?? []) runEnv[name] ??= f.value;
  const exec = makeExecutor({
    cwd: config.root,
    env,
    exec: opts.exec,
    lookup: (name, chain) => lookupIn(opts, name, chain),
  });
  const rel = (file: string) => path.relative(config.root, file) || file;
  const where = destination ? ` (with -d ${destination})` : '';
  const present = secretsFiles(config, destination).filter((f) => fs.existsSync(f));
  const merged = new Map<DotenvVersion, Map<string, Entry>>();
  const commonNames = new Set<string>();

  for (const version of opts.versions) {
    const values = new Map<string, Entry>();
    for (const file of present) {
      const parsed = parseSecretsFile(fs.readFileSync(file, 'utf8'), version, runEnv, exec);
      const isCommon = file.endsWith('-common');
      if (isCommon) for (const e of parsed.entries) commonNames.add(e.name);
      const context = {
        file: rel(file),
        version,
        visible,
        commonNames: isCommon ? new Set<string>() : commonNames,
        scopeLabel: scope || '(global)',
        needed: config.needed,
      };
      out.push(...fileFindings(parsed, context).map((x) => ({ ...x, version })));
      for (const [name, e] of parsed.values) values.set(name, e);
    }
    merged.set(version, values);
  }

  const anyVersion = merged.get(opts.versions[0]) ?? new Map();
  const target = rel(present.at(-1) ?? secretsFiles(config, destination)[1]);
  for (const [name, from] of config.needed) {
    const missingOn = opts.versions.filter((v) => !merged.get(v)?.has(name));
    if (missingOn.length === 0) continue;
    out.push({
      file: target,
      line: null,
      name,
      severity: 'error',
      code: 'missing-secret',
      message: `deploy.yml needs ${name} (${from}) but no secrets file Kamal reads${where} defines it${versionNote(missingOn, opts.versions)}: the deploy aborts with "Secret '${name}' not found"`,
      fix: `add ${name}=$${name} to ${target} (and kamal-secret set ${name})`,
    });
  }
  if (present.length === 0 && config.needed.size > 0) {
    out.push({
      file: target,
      line: null,
      name: null,
      severity: 'error',
      code: 'no-secrets-file',
      message: `no secrets file${where}: Kamal reads ${secretsFiles(config, destination).map(rel).join(' and ')}`,
      fix: 'run: kamal-secret kamal init',
    });
  }
  if (destination) {
    const plain = secretsFiles(config)[1];
    if (fs.existsSync(plain)) {
      const plainNames = parseSecretsFile(fs.readFileSync(plain, 'utf8'), '3.1', runEnv, RUN_NOTHING).entries.map(
        (e) => e.name,
      );
      for (const name of new Set(plainNames)) {
        if (anyVersion.has(name)) continue;
        out.push({
          file: rel(plain),
          line: null,
          name,
          severity: 'warning',
          code: 'destination-drops-name',
          message: `${name} is defined in ${rel(plain)}, which Kamal does not read with -d ${destination}`,
          fix: `define ${name} in ${rel(secretsFiles(config, destination)[1])} or in ${rel(secretsFiles(config)[0])}`,
        });
      }
    }
  }
  return out;
}

function lookupIn(opts: CheckOptions, name: string, chain: string[]): Found | null | undefined {
  if (!opts.vault) return undefined;
  for (const scope of chain) {
    const ref = formatRef({ scope, name });
    const value = opts.vault.get(ref);
    if (value !== undefined) return { ref, value };
  }
  return null;
}

function visibleFrom(vault: Map<string, string>, chain: string[]): Map<string, Found> {
  const out = new Map<string, Found>();
  for (const scope of [...chain].reverse()) {
    for (const [ref, value] of vault) {
      const split = splitRef(ref);
      if (split.scope === scope) out.set(split.name, { ref, value });
    }
  }
  return out;
}

const versionNote = (on: DotenvVersion[], all: DotenvVersion[]) =>
  on.length === all.length ? '' : ` (on dotenv ${on.join(' and ')})`;
