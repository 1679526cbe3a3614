// What a Kamal app's config says about secrets: config/deploy.yml, merged with
// config/deploy.DEST.yml for a destination, read with a real YAML parser.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UserError } from '../errors.js';

export interface DeployConfig {
  root: string;
  service: string | null;
  /** the prefix of the secrets files, `.kamal/secrets` unless `secrets_path:` says otherwise */
  secretsPath: string;
  /** where Kamal looks for hooks, `.kamal/hooks` unless `hooks_path:` says otherwise */
  hooksPath: string;
  /** names the deploy needs, with where deploy.yml asks for each */
  needed: Map<string, string>;
  destinations: string[];
}

type Yaml = Record<string, unknown>;

/** The YAML parser, loaded on first use: commands that never read deploy.yml do not pay for it. */
let yamlParse: ((text: string) => unknown) | undefined;

/**
 * Parsed texts, by text: check reads the plain deploy.yml for each destination and for
 * what holds across them, and parsing (not reading) is what costs. Nothing mutates a
 * parsed document; a few entries cover every file of an app.
 */
const parsed = new Map<string, unknown>();
const PARSED_KEPT = 16;

function parseYaml(text: string): unknown {
  if (parsed.has(text)) return parsed.get(text);
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse;
  const doc = yamlParse(text);
  if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value as string);
  parsed.set(text, doc);
  return doc;
}

export function readDeployConfig(root: string, destination?: string): DeployConfig {
  const base = readYaml(path.join(root, 'config', 'deploy.yml'));
  const destFile = destination ? path.join(root, 'config', `deploy.${destination}.yml`) : null;
  if (destFile && !fs.existsSync(destFile))
    throw new UserError(`no config/deploy.${destination}.yml for destination ${destination}`);
  const config = destFile ? deepMerge(base, readYaml(destFile)) : base;
  const needed = new Map<string, string>();
  const need = (names: unknown, where: string) => {
    for (const n of secretNames(names)) if (!needed.has(n)) needed.set(n, where);
  };
  const env = obj(config.env);
  need(env.secret, 'env.secret');
  for (const [tag, tagEnv] of Object.entries(obj(env.tags))) need(obj(tagEnv).secret, `env.tags.${tag}.secret`);
  for (const field of ['username', 'password']) {
    const v = obj(config.registry)[field];
    if (Array.isArray(v)) need(v.slice(0, 1), `registry.${field}`);
  }
  // proxy.ssl names its PEM secrets as plain strings (lib/kamal/configuration/proxy.rb)
  const needProxy = (proxy: unknown, where: string) => {
    const ssl = obj(obj(proxy).ssl);
    for (const field of ['certificate_pem', 'private_key_pem'])
      if (typeof ssl[field] === 'string') need([ssl[field]], `${where}.ssl.${field}`);
  };
  for (const [role, roleConfig] of Object.entries(obj(config.servers))) {
    need(obj(obj(roleConfig).env).secret, `servers.${role}.env.secret`);
    needProxy(obj(roleConfig).proxy, `servers.${role}.proxy`);
  }
  for (const [name, accessory] of Object.entries(obj(config.accessories))) {
    need(obj(obj(accessory).env).secret, `accessories.${name}.env.secret`);
    needProxy(obj(accessory).proxy, `accessories.${name}.proxy`);
    const password = obj(obj(accessory).registry).password;
    if (Array.isArray(password)) need(password.slice(0, 1), `accessories.${name}.registry.password`);
  }
  need(obj(config.builder).secrets, 'builder.secrets');
  const ssh = obj(config.ssh);
  if (Array.isArray(ssh.key_data)) need(ssh.key_data, 'ssh.key_data');
  needProxy(config.proxy, 'proxy');
  return {
    root,
    service: typeof config.service === 'string' ? config.service : null,
    secretsPath: typeof config.secrets_path === 'string' ? config.secrets_path : '.kamal/secrets',
    hooksPath: typeof config.hooks_path === 'string' ? config.hooks_path : '.kamal/hooks',
    needed,
    destinations: listDestinations(root),
  };
}

/** The secrets files Kamal reads, in order: common first, then plain or per-destination. */
export function secretsFiles(config: DeployConfig, destination?: string): string[] {
  const prefix = path.resolve(config.root, config.secretsPath);
  return [`${prefix}-common`, destination ? `${prefix}.${destination}` : prefix];
}

export function listDestinations(root: string): string[] {
  const dir = path.join(root, 'config');
  return fs
    .readdirSync(dir)
    .map((f) => /^deploy\.(.+)\.yml$/.exec(f)?.[1])
    .filter((d): d is string => Boolean(d))
    .sort();
}

function readYaml(file: string): Yaml {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`cannot read ${file}`);
  }
  // Kamal evaluates ERB first; the tags cannot be evaluated here, so they read as empty.
  const withoutErb = withoutErbTags(text);
  try {
    return obj(parseYaml(withoutErb));
  } catch (err) {
    throw new UserError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0].replace(/:$/, '')}`);
  }
}

/** The text without its `<% … %>` tags (an unclosed one is left as it is), in linear time. */
function withoutErbTags(text: string): string {
  const parts: string[] = [];
  let at = 0;
  for (let open = text.indexOf('<%'); open >= 0; open = text.indexOf('<%', at)) {
    parts.push(text.slice(at, open));
    const close = text.indexOf('%>', open + 2);
    if (close < 0) break;
    at = close + 2;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

const obj = (v: unknown): Yaml => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Yaml) : {});

/** `secret:` lists hold NAME or ALIAS:NAME (Kamal reads the secret after the colon). */
function secretNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((x): x is string => typeof x === 'string')
    .map((x) => (x.includes(':') ? x.slice(x.indexOf(':') + 1) : x));
}

function deepMerge(a: Yaml, b: Yaml): Yaml {
  const out: Yaml = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' && !Array.isArray(out[k])
        ? deepMerge(out[k] as Yaml, v as Yaml)
        : v;
  }
  return out;
}
