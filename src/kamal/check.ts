// `kamal-secret check`: read deploy.yml and the secrets files as Kamal does, on each
// dotenv version, and report every line that would deliver a missing, empty,
// truncated or altered secret, or make the deploy fail (reference §pitfalls).

import fs from 'node:fs';
import path from 'node:path';
import { formatRef, scopeChain, splitRef } from '../vault/refs.js';
import type { Found } from '../vault/secrets.js';
import { type DeployConfig, readDeployConfig, secretsFiles } from './deploy-config.js';
import { type DotenvVersion, type Entry, type ParseResult, parseSecretsFile } from './dotenv-model.js';
import { makeExecutor } from './executor.js';
import { RUN_NOTHING } from './secrets-files.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  file: string;
  line: number | null;
  name: string | null;
  severity: Severity;
  code: string;
  message: string;
  fix: string;
}

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

const ENV_MODE_FIX = 'use env mode: NAME=$NAME in .kamal/secrets, and deploy with kamal-secret run -- kamal deploy';

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
      : { ...finding, message: `${finding.message} (on dotenv ${[...versions].join(' and ')})` });
  const rank = { error: 0, warning: 1, info: 2 };
  findings.sort((a, b) => (a.file === b.file ? (a.line ?? 0) - (b.line ?? 0) || rank[a.severity] - rank[b.severity] : a.file < b.file ? -1 : 1));
  return { files: [...files], findings };
}

function checkDestination(config: DeployConfig, destination: string | undefined, opts: CheckOptions): (Finding & { version?: DotenvVersion })[] {
  const out: (Finding & { version?: DotenvVersion })[] = [];
  const scope = config.service ? (destination ? `${config.service}/${destination}` : config.service) : '';
  const visible = visibleFrom(opts.vault, scopeChain(scope));
  const env: NodeJS.ProcessEnv = { ...opts.env, ...(destination ? { KAMAL_DESTINATION: destination } : {}) };
  // `kamal-secret run` puts the vault's secrets into Kamal's environment (env mode).
  const runEnv: Record<string, string | undefined> = { ...env };
  for (const [name, f] of visible) runEnv[name] ??= f.value;
  const exec = makeExecutor({ cwd: config.root, env, scope, exec: opts.exec, lookup: (name, chain) => lookupIn(opts, name, chain) });
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
      const context = { file: rel(file), version, visible, commonNames: isCommon ? new Set<string>() : commonNames, scopeLabel: scope || '(global)', needed: config.needed };
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
      file: target, line: null, name, severity: 'error', code: 'missing-secret',
      message: `deploy.yml needs ${name} (${from}) but no secrets file Kamal reads${where} defines it${versionNote(missingOn, opts.versions)}: the deploy aborts with "Secret '${name}' not found"`,
      fix: `add ${name}=$${name} to ${target} (and kamal-secret set ${name})`,
    });
  }
  if (present.length === 0 && config.needed.size > 0) {
    out.push({ file: target, line: null, name: null, severity: 'error', code: 'no-secrets-file', message: `no secrets file${where}: Kamal reads ${secretsFiles(config, destination).map(rel).join(' and ')}`, fix: 'run: kamal-secret kamal init' });
  }
  if (destination) {
    const plain = secretsFiles(config)[1];
    if (fs.existsSync(plain)) {
      const plainNames = parseSecretsFile(fs.readFileSync(plain, 'utf8'), '3.1', runEnv, RUN_NOTHING).entries.map((e) => e.name);
      for (const name of new Set(plainNames)) {
        if (anyVersion.has(name)) continue;
        out.push({
          file: rel(plain), line: null, name, severity: 'warning', code: 'destination-drops-name',
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

function visibleFrom(vault: Map<string, string> | null, chain: string[]): Map<string, Found> {
  const out = new Map<string, Found>();
  for (const scope of [...chain].reverse()) {
    for (const [ref, value] of vault ?? []) {
      const split = splitRef(ref);
      if (split.scope === scope) out.set(split.name, { ref, value });
    }
  }
  return out;
}

const versionNote = (on: DotenvVersion[], all: DotenvVersion[]) => (on.length === all.length ? '' : ` (on dotenv ${on.join(' and ')})`);

interface FileContext {
  file: string;
  version: DotenvVersion;
  visible: Map<string, Found>;
  commonNames: Set<string>;
  scopeLabel: string;
  needed: Map<string, string>;
}

/** An escape the author did not mean: dotenv drops the backslash of `\X` unless X is `\`, `$` or a quote. */
const dropsBackslash = (raw: string) => [...raw.matchAll(/\\([\s\S])/g)].some((m) => !'\\$"\''.includes(m[1]));

function fileFindings(parsed: ParseResult, { file, version, visible, commonNames, scopeLabel, needed }: FileContext): Finding[] {
  const out: Finding[] = [];
  // Names only used inside later commands, like SECRETS in the fetch/extract pattern:
  // their alterations are reported on the lines that extract from them.
  // (dotenv 3.1 substitutes variables before it finds commands, so judge by the line's text.)
  const intermediates = new Set(parsed.entries
    .filter((e) => e.raw?.includes('$('))
    .flatMap((e) => e.variables.filter((v) => v.source === 'file').map((v) => v.name))
    .filter((n) => !needed.has(n)));
  const f = (line: number | null, name: string | null, severity: Severity, code: string, message: string, fix: string) =>
    out.push({ file, line, name, severity, code, message, fix });

  if (parsed.abort?.kind === 'not-found') {
    f(parsed.abort.line, null, 'error', 'command-not-found',
      `${parsed.abort.program} is not on PATH and the command has no shell metacharacters: Ruby raises ENOENT and dotenv drops the whole file, so every secret in ${file} arrives missing`,
      `put ${parsed.abort.program} on PATH wherever kamal runs (CI included), or ${ENV_MODE_FIX}`);
  }
  if (parsed.abort?.kind === 'format-error') {
    f(parsed.abort.line, parsed.abort.name, 'error', 'bare-export',
      `"export ${parsed.abort.name}" without a value, for a name not assigned earlier in the file, is a dotenv parse error: Kamal aborts with a Ruby backtrace`,
      `write ${parsed.abort.name}=$${parsed.abort.name} instead`);
  }
  for (const e of parsed.entries) {
    const raw = e.raw ?? '';
    const errorsBefore = out.filter((x) => x.severity === 'error').length;
    if (e.quote !== "'" && /\$\{[A-Za-z0-9_]*[^A-Za-z0-9_}]/.test(raw)) {
      f(e.line, e.name, 'error', 'shell-operator',
        `${e.name} uses a shell operator in \${…}, which Kamal does not support: it substitutes the variable and keeps the rest (\${A:-x} becomes A's value followed by ":-x}")`,
        'give the secret its real value in the vault (kamal-secret set NAME) and write NAME=$NAME');
    }
    for (const c of e.commands) {
      const o = c.outcome;
      if (o.kind === 'ran' && o.status !== 0) {
        f(e.line, e.name, 'error', 'command-failed',
          o.via === 'vault' ? `$(${c.command}) finds no such secret in the vault: Kamal ignores the exit status and deploys ${e.name} empty` : `$(${c.command}) exits with status ${o.status}: Kamal ignores it and deploys whatever it printed`,
          o.via === 'vault' ? `kamal-secret set ${e.name}` : 'make the command succeed, or store the secret: kamal-secret set NAME');
      } else if (o.kind === 'ran' && o.stdout.replace(/\r?\n$/, '') === '') {
        f(e.line, e.name, 'error', 'command-empty', `$(${c.command}) prints nothing: ${e.name} is deployed empty`, `store the value: kamal-secret set ${e.name}`);
      } else if (o.kind === 'ran' && version === '3.2' && o.stdout.includes('$') && !intermediates.has(e.name)) {
        f(e.line, e.name, 'error', 'dollar-in-command',
          `the value of ${e.name} contains "$", and dotenv 3.2 expands variables in a command's output: it arrives altered`,
          ENV_MODE_FIX);
      } else if (o.kind === 'not-run' && raw.includes('$(')) {
        f(e.line, e.name, 'warning', 'command-not-run', `$(${c.command}) was not run (${o.reason}): Kamal ignores its exit status, so if it fails ${e.name} is deployed empty`, 'run kamal-secret check --exec to run it, or store the secret: kamal-secret set NAME');
      }
      if (/\bcat\b[^|]*\.env\b|\bgrep\b.*\.env\b/.test(c.command)) {
        f(e.line, e.name, 'warning', 'plaintext-env', `${e.name} is read from a plaintext .env file`, 'kamal-secret import .env, delete the file, and write NAME=$NAME');
      }
    }
    // Only variables written in the line: on dotenv 3.2 a `$` in a command's output is
    // expanded too, and that is reported as dollar-in-command, not as an unset variable.
    const written = e.variables.filter((v) => new RegExp(`\\$\\{?${v.name}\\b`, 'i').test(raw));
    for (const v of written) {
      if (v.source !== 'unset') continue;
      if (commonNames.has(v.name)) {
        f(e.line, e.name, 'error', 'cross-file-reference',
          `$${v.name} refers to a name defined in .kamal/secrets-common, which this file cannot see: it falls back to the environment, where ${v.name} is not set, and ${e.name} is deployed empty`,
          `define ${e.name} in .kamal/secrets-common, or give ${v.name} a value in the vault`);
      } else {
        f(e.line, e.name, 'error', 'unset-variable',
          `$${v.name} is in neither the environment nor the vault (scope ${scopeLabel}), so ${e.name} is deployed ${v.inCommand ? 'with an empty argument in its command' : 'empty'}`,
          `kamal-secret set ${v.name}, then deploy with kamal-secret run -- kamal deploy`);
      }
    }
    if (e.cutAtHash) {
      f(e.line, e.name, 'error', 'unquoted-hash', `the unquoted value of ${e.name} is cut at "#": everything from "#" on is dropped`, "quote the value: NAME='…', or store it in the vault and write NAME=$NAME");
    }
    if (e.quote !== "'" && dropsBackslash(raw)) {
      f(e.line, e.name, 'error', 'backslash', `dotenv removes the backslashes in ${e.name}'s value${e.quote === '"' && /\\[nr]/.test(raw) ? ' ("\\n" in double quotes stays backslash + n, not a newline)' : ''}: it arrives altered`,
        "single-quote the value, or store it in the vault and write NAME=$NAME");
    }
    for (const v of written) {
      const value = v.source === 'env' ? visible.get(v.name)?.value : undefined;
      if (value?.includes('$(') && version === '3.1') {
        f(e.line, e.name, 'error', 'command-text-via-env', `the value of ${v.name} contains "$(", which dotenv 3.1 runs as a command even through $${v.name}`, `change the value so it holds no "$(" (kamal-secret set ${v.name})`);
      }
    }
    if (e.raw && !e.raw.includes('$') && e.value) {
      f(e.line, e.name, 'warning', 'literal-value', `${e.name} holds a literal value in ${file}, a file that is usually committed`, `kamal-secret set ${e.name}, then write ${e.name}=$${e.name}`);
    }
    if (e.value !== null && /[\n\\]/.test(e.value) && !intermediates.has(e.name)) {
      f(e.line, e.name, 'warning', 'escaped-in-container', `${e.name} spans several lines or holds a backslash: Kamal writes it escaped into the container's env file and docker does not unescape it (basecamp/kamal#1467)`, 'pass such values as files, or encode them (base64) in the vault');
    }
    const newErrors = out.filter((x) => x.severity === 'error').length > errorsBefore;
    if (!newErrors && e.value === '' && (e.commands.length || e.variables.length)) {
      f(e.line, e.name, 'error', 'empty-value', `${e.name} is deployed empty`, `give it a value: kamal-secret set ${e.name}`);
    }
  }
  return out;
}
