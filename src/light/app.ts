// Finding the Kamal app around the working directory, cheaply: this is on the `get`
// path, so no YAML parser here. `service:` is a top-level scalar in every deploy.yml.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export interface AppLocation {
  root: string;
  deployYml: string;
}

/** An app found around a directory: where it is, and its service name. */
export interface KamalApp extends AppLocation {
  /** deploy.yml's top-level `service:` (null when it has none), read once, on first use */
  readonly service: string | null;
}

/** The nearest directory, from `cwd` upwards, that holds config/deploy.yml. */
export function findApp(cwd: string): KamalApp | null {
  let dir = resolve(cwd);
  for (;;) {
    const deployYml = join(dir, 'config', 'deploy.yml');
    if (existsSync(deployYml)) return kamalApp(dir, deployYml);
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function kamalApp(root: string, deployYml: string): KamalApp {
  let service: string | null | undefined;
  return {
    root,
    deployYml,
    get service() {
      if (service === undefined) service = readServiceName(readFileSync(deployYml, 'utf8'));
      return service;
    },
  };
}

/** The top-level `service:` of a deploy.yml's text, or null. */
export function readServiceName(yamlText: string): string | null {
  return topLevelScalar(yamlText, 'service');
}

/**
 * The value on the first line that reads `KEY: value` at the top level (unquoted, or
 * in single or double quotes, a trailing `# comment` dropped), or null. Line by line and
 * without backtracking, so a crafted file costs time in proportion to its length.
 */
export function topLevelScalar(yamlText: string, key: string): string | null {
  const prefix = `${key}:`;
  for (const line of yamlText.split(LINE_BREAK)) {
    if (!line.startsWith(prefix)) continue;
    const value = scalarOf(line.slice(prefix.length).replace(/^[ \t]+/, ''));
    if (value !== null) return value.trim() || null;
  }
  return null;
}

/** Where a line ends for a regular expression's ^ and $ in multiline mode. */
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;

function scalarOf(text: string): string | null {
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const end = text.indexOf(quote, 1);
    if (end !== -1 && isBlankOrComment(text.slice(end + 1))) return text.slice(1, end);
  }
  if (text === '' || /^[\s#]/.test(text)) return null;
  const hash = text.indexOf('#');
  return hash === -1 ? text : text.slice(0, hash);
}

const isBlankOrComment = (rest: string) => /^[ \t]*(?:#|$)/.test(rest);
