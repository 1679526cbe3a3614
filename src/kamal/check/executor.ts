// How `check` treats each `$(…)` command: `kamal-secret get` is answered from the vault,
// `kamal secrets …` is evaluated as Kamal runs it inline (kamal-inline.ts), commands that only read
// files (cat, grep, cut) are evaluated by reading them, a program missing from PATH is
// reported without running anything, and any other command runs only with --exec.

import { spawnSync } from 'node:child_process';
import { parseRef, scopeChain } from '../../light/refs.js';
import type { Found } from '../../vault/secrets.js';
import type { CommandOutcome, Executor } from '../dotenv-model.js';
import { isKamalInline, kamalFetchOutput, kamalInline } from '../kamal-secrets-command.js';
import { onPath } from '../path-lookup.js';
import { evaluateFileRead } from './file-reads.js';

/** Ruby's backticks run through /bin/sh only when the command has shell metacharacters. */
const SHELL_META = /[*?{}[\]<>()~&|\\$;'`"\n#]/;
const SHELL_WORDS = new Set([
  '.',
  ':',
  'break',
  'case',
  'continue',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'eval',
  'exec',
  'exit',
  'export',
  'fi',
  'for',
  'if',
  'in',
  'readonly',
  'return',
  'set',
  'shift',
  'then',
  'times',
  'trap',
  'unset',
  'until',
  'while',
]);

export function runsThroughShell(command: string): boolean {
  const first = command.trim().split(/\s+/)[0] ?? '';
  return SHELL_META.test(command) || first.includes('=') || SHELL_WORDS.has(first);
}

export interface ExecutorOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** the scope `kamal-secret get` would default to in this run (APP or APP/DEST) */
  scope: string;
  /** the vault's answer; undefined when the vault cannot be read here */
  lookup: (name: string, chain: string[]) => Found | null | undefined;
  exec: boolean;
}

export function makeExecutor(opts: ExecutorOptions): Executor {
  return (command: string): CommandOutcome => {
    // Kamal answers `kamal secrets …` itself, before anything is looked up on PATH.
    if (isKamalInline(command)) return kamalInline(command, opts.env);
    const words = command.trim().split(/\s+/);
    const throughShell = runsThroughShell(command);
    if (!throughShell && words[0] && !onPath(words[0], opts.env)) return { kind: 'not-found', program: words[0] };
    const fetched = parseKamalSecretFetch(command);
    if (fetched) {
      const values: Record<string, string> = {};
      for (const name of fetched) {
        const found = opts.lookup(name, scopeChain(opts.scope));
        if (found === undefined) return { kind: 'not-run', reason: 'the vault could not be read' };
        if (!found) return { kind: 'ran', via: 'vault', stdout: '', status: 1 };
        values[name] = found.value;
      }
      return { kind: 'ran', via: 'vault', stdout: `${kamalFetchOutput(values)}\n`, status: 0 };
    }
    const get = parseKamalSecretGet(command);
    if (get) {
      try {
        const ref = parseRef(get.ref, get.scope ?? opts.scope);
        const found = opts.lookup(ref.name, scopeChain(ref.scope));
        if (found === undefined) return { kind: 'not-run', reason: 'the vault could not be read' };
        return { kind: 'ran', via: 'vault', stdout: found ? `${found.value}\n` : '', status: found ? 0 : 1 };
      } catch {
        return { kind: 'ran', via: 'vault', stdout: '', status: 2 };
      }
    }
    const read = evaluateFileRead(command, opts.cwd);
    if (read) return { kind: 'ran', via: 'file', ...read };
    if (!opts.exec)
      return {
        kind: 'not-run',
        reason: 'check runs no command but kamal-secret get and file reads (cat, grep, cut) without --exec',
      };
    const r = throughShell
      ? spawnSync('/bin/sh', ['-c', command], {
          cwd: opts.cwd,
          env: opts.env,
          encoding: 'utf8',
          stdio: ['inherit', 'pipe', 'inherit'],
          timeout: 60_000,
        })
      : spawnSync(words[0], words.slice(1), {
          cwd: opts.cwd,
          env: opts.env,
          encoding: 'utf8',
          stdio: ['inherit', 'pipe', 'inherit'],
          timeout: 60_000,
        });
    if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      return { kind: 'not-found', program: words[0] };
    return { kind: 'ran', via: throughShell ? 'shell' : 'exec', stdout: r.stdout ?? '', status: r.status ?? 1 };
  };
}

/** `kamal-secret get REF [-d DEST] [--scope S]` with nothing else; null otherwise. */
function parseKamalSecretGet(command: string): { ref: string; scope?: string } | null {
  const m = /^\s*(?:\S*\/)?kamal-secret\s+get\s+([^;&|<>`$()]+?)\s*$/.exec(command);
  if (!m) return null;
  const args = m[1].split(/\s+/);
  let ref: string | undefined;
  let scope: string | undefined;
  let dest: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--scope') scope = args[++i];
    else if (args[i] === '-d' || args[i] === '--destination') dest = args[++i];
    else if (args[i].startsWith('-')) return null;
    else ref = args[i];
  }
  if (!ref) return null;
  if (dest && scope !== undefined && !scope.includes('/')) scope = `${scope}/${dest}`;
  return { ref, scope };
}

function parseKamalSecretFetch(command: string): string[] | null {
  const m = /^\s*(?:\S*\/)?kamal-secret\s+fetch\s+([A-Za-z0-9_\s]+?)\s*$/.exec(command);
  return m ? m[1].split(/\s+/) : null;
}
