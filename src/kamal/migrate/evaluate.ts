// What the old secrets files deliver, deploy by deploy, the way Kamal reads them: the
// dotenv model (dotenv-model.ts) on each dotenv version, with commands really run
// (commands.ts). For each name: the line it comes from, its value per version, and,
// when dotenv (or a grep | cut) delivers it altered and the model knows the value the
// line meant, that value and why. Also everything that stops a migration: a command
// that fails or prints nothing, an empty value, a file Kamal would read as empty.

import fs from 'node:fs';
import path from 'node:path';
import { intermediateNames } from '../check/line-findings.js';
import {
  type CommandOutcome,
  chomp,
  commandsIn,
  type DotenvVersion,
  type Entry,
  type Executor,
  type ParseResult,
  parseSecretsFile,
} from '../dotenv-model.js';

export interface Deploy {
  /** undefined: the plain deploy (`kamal deploy` without -d) */
  destination: string | undefined;
  /** the vault scope `kamal-secret run` uses for it: APP or APP/DEST */
  scope: string;
  /** the secrets files Kamal reads for it that exist, in the order it reads them */
  files: string[];
}

export interface Origin {
  /** the file, relative to the app */
  file: string;
  line: number;
  /** how the line gives the value: its commands as written, `$NAME`, or "a literal value"; never a value */
  source: string;
}

export interface Delivered {
  name: string;
  origin: Origin;
  /** the line is in .kamal/secrets-common, which every deploy reads */
  common: boolean;
  /** what Kamal delivers, per dotenv version (null: not known) */
  values: Map<DotenvVersion, string | null>;
  /** the value the line meant, when the model knows it and some version delivers another */
  intended?: string;
  /** per version that alters it: why */
  altered: Map<DotenvVersion, string>;
}

export interface Problem {
  name: string | null;
  origin: Origin | null;
  /** one clause, naming the command as written, never a value */
  what: string;
}

export interface DeployEvaluation {
  deploy: Deploy;
  names: Map<string, Delivered>;
  /** names only later lines' commands read (SECRETS of the fetch/extract pattern): not migrated */
  intermediates: Delivered[];
  problems: Problem[];
}

export interface EvaluateOptions {
  root: string;
  versions: DotenvVersion[];
  /** the environment Kamal runs with for this deploy */
  env: NodeJS.ProcessEnv;
  exec: Executor;
  /** the names deploy.yml needs: never intermediates */
  needed: Map<string, string>;
  /** the value an altered command output stands for, where known (CommandRunner.intendedOutput) */
  intendedOutput: (outcome: CommandOutcome) => string | undefined;
}

export function evaluateDeploy(deploy: Deploy, opts: EvaluateOptions): DeployEvaluation {
  const names = new Map<string, Delivered>();
  const intermediate = new Set<string>();
  const problems: Problem[] = [];
  for (const version of opts.versions) {
    const winners = new Map<string, { entry: Entry; file: string; entries: Entry[]; text: string }>();
    for (const file of deploy.files) {
      const text = fs.readFileSync(file, 'utf8');
      const parsed = parseSecretsFile(text, version, opts.env, opts.exec);
      const rel = path.relative(opts.root, file);
      if (parsed.abort) problems.push(abortProblem(parsed.abort, rel));
      for (const n of intermediateNames(parsed, opts.needed)) intermediate.add(n);
      for (const [name, entry] of parsed.values) winners.set(name, { entry, file, entries: parsed.entries, text });
    }
    for (const [name, { entry, file, entries, text }] of winners) {
      let d = names.get(name);
      if (!d) {
        const origin = { file: path.relative(opts.root, file), line: entry.line, source: describeSource(entry) };
        d = { name, origin, common: file.endsWith('-common'), values: new Map(), altered: new Map() };
        names.set(name, d);
      }
      d.values.set(version, entry.value);
      for (const what of entryProblems(entry)) problems.push({ name, origin: d.origin, what });
      const meant = intendedValue(entry, { entries, text, version, ...opts });
      if (meant && entry.value !== meant.value) {
        d.intended = meant.value;
        d.altered.set(version, meant.why);
      }
    }
  }
  const intermediates = [...intermediate].flatMap((n) => names.get(n) ?? []);
  for (const n of intermediate) names.delete(n);
  return { deploy, names, intermediates, problems: unique(problems) };
}

/** Why a file that stops dotenv (or Kamal) cannot be migrated. */
function abortProblem(abort: NonNullable<ParseResult['abort']>, file: string): Problem {
  const origin = { file, line: abort.line, source: '' };
  if (abort.kind === 'not-found')
    return {
      name: null,
      origin,
      what: `${abort.program} is not on PATH, so Kamal reads the whole of ${file} as empty`,
    };
  if (abort.kind === 'format-error')
    return { name: abort.name, origin, what: `a bare "export ${abort.name}" makes Kamal abort` };
  return { name: abort.name, origin, what: `Kamal aborts here (${abort.reason})` };
}

const unquoted = (e: Entry) => {
  const raw = e.raw ?? '';
  return e.quote ? raw.slice(1, -1) : raw;
};

/** The `$(…)` commands of a line, as written (none in single quotes). */
export const entryCommands = (e: Entry): string[] =>
  e.quote === "'" ? [] : commandsIn(unquoted(e)).map((c) => `$(${c})`);

function describeSource(e: Entry): string {
  const commands = entryCommands(e);
  if (commands.length) return commands.join(' … ');
  if (e.commands.length) return 'a command in the value of a variable';
  const variable = e.variables[0];
  if (variable) return `$${variable.name} from ${variable.source === 'file' ? 'an earlier line' : 'the environment'}`;
  return 'a literal value';
}

/** Why this line cannot be migrated: a command that failed, printed nothing or did not run; an empty or unknown value. */
function entryProblems(e: Entry): string[] {
  const written = entryCommands(e);
  const problems = e.commands.flatMap(({ outcome }, i) => {
    const command = written[i] ?? 'a command in its value';
    if (outcome.kind === 'not-found') return [`${command}: ${outcome.program} is not on PATH`];
    if (outcome.kind !== 'ran') return [`${command}: ${outcome.reason}`];
    if (outcome.status !== 0)
      return [
        `${command} exits with status ${outcome.status}${outcome.stderr ? ` (${outcome.stderr.trim().split('\n')[0]})` : ''}`,
      ];
    return chomp(outcome.stdout) === '' ? [`${command} prints nothing`] : [];
  });
  if (problems.length === 0 && e.value === '') problems.push('its value is empty');
  if (problems.length === 0 && e.value === null) problems.push('its value is not known');
  return problems;
}

/**
 * The value a line meant, where the model knows it: the output of the one command that
 * makes up the value (or, for `grep | cut` of a dotenv file, that file's value); the
 * value of the one variable it names; a literal's text up to the end of the line when
 * an unquoted "#" cut it. With why `version` delivers something else.
 */
function intendedValue(
  e: Entry,
  ctx: Pick<EvaluateOptions, 'env' | 'intendedOutput'> & { entries: Entry[]; text: string; version: DotenvVersion },
): { value: string; why: string } | undefined {
  const { entries, text, env, version } = ctx;
  if (e.quote === "'") return undefined;
  const written = unquoted(e);
  const commands = commandsIn(written).map((c) => `$(${c})`);
  if (commands.length === 1 && commands[0] === written.trim() && e.commands.length === 1) {
    const o = e.commands[0].outcome;
    if (o.kind !== 'ran' || o.status !== 0) return undefined;
    const why =
      o.altered ??
      (version === '3.2'
        ? `dotenv 3.2 expands "$" in the command's output`
        : `dotenv ${version} changes the command's output`);
    return { value: ctx.intendedOutput(o) ?? chomp(o.stdout), why };
  }
  const variable = /^\$\{?([A-Za-z0-9_]+)\}?$/.exec(written.trim());
  if (variable && commands.length === 0) {
    const from = e.variables.find((v) => v.name.toUpperCase() === variable[1].toUpperCase());
    const value =
      from?.source === 'env'
        ? env[from.name]
        : from?.source === 'file'
          ? (entries.filter((x) => x.name === from.name && x.line < e.line).at(-1)?.value ?? undefined)
          : undefined;
    if (value === undefined || value === null) return undefined;
    const why = value.includes('$(')
      ? `dotenv ${version} runs the "$(" in the value of $${from!.name} as a command`
      : `dotenv ${version} changes the value of $${from!.name}`;
    return { value, why };
  }
  if (e.cutAtHash && !written.includes('$')) {
    const line = text.replace(/\r\n?/g, '\n').split('\n')[e.line - 1] ?? '';
    const rest = /^\s*(?:export\s+)?[\w.]+\s*(?:=|:\s)(.*)$/.exec(line)?.[1]?.trim();
    if (rest) return { value: rest, why: 'an unquoted "#" cuts it short' };
  }
  return undefined;
}

function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.name}\0${p.origin?.file}\0${p.origin?.line}\0${p.what}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
