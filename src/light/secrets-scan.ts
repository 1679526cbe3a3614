// Before `kamal-secret run` starts Kamal, it warns about names Kamal will read from the
// environment that nobody provides. Telling exactly takes the dotenv model and a YAML
// parser (kamal/env-references.ts), too slow for every run. This is the cheap first look:
// which secrets files Kamal reads, and which `$NAME`s in them the environment lacks. It
// errs on the side of suspecting too much (the model then clears the innocent), so that
// when it suspects nothing, nothing is missing, and the common case costs a few regexes.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type AppLocation, topLevelScalar } from './app.js';

/**
 * The secrets files Kamal reads for `destination`, common first (whether or not they
 * exist): `secrets_path` from deploy.yml (or deploy.DEST.yml), default .kamal/secrets.
 * Null when deploy.yml says something about secrets_path that this reader cannot be
 * sure of; [] when Kamal would not get as far as reading secrets (no deploy.DEST.yml).
 */
export function kamalSecretsFiles(app: AppLocation, destination: string | undefined): string[] | null {
  const texts = [readFileSync(app.deployYml, 'utf8')];
  if (destination) {
    const destYml = join(app.root, 'config', `deploy.${destination}.yml`);
    if (!existsSync(destYml)) return [];
    texts.push(readFileSync(destYml, 'utf8'));
  }
  let secretsPath = '.kamal/secrets';
  for (const text of texts) {
    const stated = secretsPathIn(text);
    if (stated === null) return null;
    if (stated !== undefined) secretsPath = stated;
  }
  const prefix = resolve(app.root, secretsPath);
  return [`${prefix}-common`, destination ? `${prefix}.${destination}` : prefix];
}

/** A path when the text says one plainly; undefined when it says none; null when unsure. */
function secretsPathIn(yamlText: string): string | undefined | null {
  const mentions = yamlText.split('secrets_path').length - 1;
  if (mentions === 0) return undefined;
  const value = topLevelScalar(yamlText, 'secrets_path');
  // One top-level line, a value YAML reads as a string (not a number, boolean, alias or ERB).
  if (mentions !== 1 || value === null || !PLAIN_PATH.test(value) || !/[A-Za-z_]/.test(value)) return null;
  return /^(?:true|false|null)$/i.test(value) ? null : value;
}

const PLAIN_PATH = /^[A-Za-z0-9_./-]+$/;

/**
 * Names that the secrets files (those that exist) may take from the environment and
 * that `env` lacks, each with the first file that reads it.
 */
export function suspectedUnprovided(files: string[], env: Record<string, string | undefined>): Map<string, string> {
  const suspects = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // Kamal skips a secrets file that is not there
    }
    for (const name of namesTakenFromEnvironment(text)) {
      if (env[name] === undefined && !suspects.has(name)) suspects.set(name, file);
    }
  }
  return suspects;
}

/**
 * Every name a dotenv file may read from the environment: each `$NAME` or `${NAME}`
 * (escaped or not, in commands or not, with or without the backslashes dotenv drops) that is not in a comment, not in a single-quoted
 * one-line value, and not defined by an earlier line of the file. Quoted values that
 * span lines are followed, since a `#` line inside one is not a comment.
 */
export function namesTakenFromEnvironment(text: string): Set<string> {
  const names = new Set<string>();
  const defined = new Set<string>();
  const read = (fragment: string) => {
    // dotenv drops backslashes before it expands, so `$A\B` reads AB (but "\n" may stay): read each way.
    for (const variant of [fragment, fragment.replace(/\\([^$])/g, '$1'), fragment.replace(/\\([^$nr])/g, '$1')])
      for (const m of variant.matchAll(VARIABLE)) if (!defined.has(m[1])) names.add(m[1]);
  };
  // Where a line ends is unclear with U+2028 and U+2029 (a regular expression's ^ sees one,
  // dotenv's values run over it): then every name counts.
  if (/[\u2028\u2029]/.test(text)) {
    read(text);
    return names;
  }
  let openQuote: string | null = null; // inside a quoted value that began on an earlier line
  let valueMayFollow = false; // after `NAME=` and nothing, a quoted value may begin on a later line
  for (const line of text.split(/\r\n|[\n\r]/)) {
    if (openQuote) {
      read(line);
      if (closingQuote(line, openQuote, 0) !== -1) openQuote = null;
      continue;
    }
    if (valueMayFollow && /^\s*$/.test(line)) continue;
    const quotedValueHere = valueMayFollow && /^\s*["']/.test(line);
    valueMayFollow = false;
    if (quotedValueHere) {
      openQuote = quoteLeftOpen(line.trimStart());
      read(line);
      continue;
    }
    if (/^\s*#/.test(line)) continue;
    const entry = ENTRY.exec(line);
    if (!entry) {
      read(line);
      continue;
    }
    const [, name, value] = entry;
    if (value === '') valueMayFollow = true;
    else if (value[0] === '"' || value[0] === "'") {
      openQuote = quoteLeftOpen(value);
      if (openQuote || !SINGLE_QUOTED_LINE.test(value)) read(value);
    } else {
      read(value.split('#', 1)[0]); // an unquoted value ends at the first #
    }
    defined.add(name);
  }
  return names;
}

/** `NAME=value`, `NAME: value`, `export NAME=value` (dotenv's own line shape). */
const ENTRY = /^\s*(?:export\s+)?([\w.]+)(?:\s*=|:\s)\s*(.*)$/s;
/** A whole single-quoted value on one line, maybe with a comment: dotenv expands nothing in it. */
const SINGLE_QUOTED_LINE = /^'[^'\\]*'\s*(?:#.*)?$/;
const VARIABLE = /\$\{?([A-Za-z0-9_]+)/g;

/** The quote that `value` opens and does not close on its line, or null. */
function quoteLeftOpen(value: string): string | null {
  const quote = value[0];
  if (quote !== '"' && quote !== "'") return null;
  return closingQuote(value, quote, 1) === -1 ? quote : null;
}

/**
 * Where a quoted value may end, from `from` on: the first `quote` not right after a
 * backslash (dotenv's `"(?:\\"|[^"])*"` can end no later), or -1.
 */
function closingQuote(text: string, quote: string, from: number): number {
  for (let i = text.indexOf(quote, from); i !== -1; i = text.indexOf(quote, i + 1)) {
    if (text[i - 1] !== '\\') return i;
  }
  return -1;
}
