// Shell completion. `completion SHELL` prints a script for bash, zsh or fish; the script
// calls the hidden `__complete -- WORD… CURRENT` on every Tab, which answers from this
// program's own commands and options (so it never drifts from them) and, for secret
// names and scopes, from the agent when it is running and already unlocked: it never
// starts one, never prompts, and the agent's `list` carries names only, never values.
//
// Answer: a first line `words` (then one candidate per line, `CANDIDATE<Tab>DESCRIPTION`
// or just the candidate) or `files` (the shell completes file names itself).

import fs from 'node:fs';
import { Argument, type Command } from 'commander';
import { AgentSession } from '../agent/agent-session.js';
import { listDestinations } from '../kamal/deploy-config.js';
import { agentStatus } from '../light/agent-client.js';
import { readServiceName } from '../light/app.js';
import { GET_OPTIONS } from '../light/get-args.js';
import { commandLineRef, scopeChain } from '../light/refs.js';
import type { Listed } from '../vault/secrets.js';
import { completionScript, SHELLS, type Shell } from './completion-scripts.js';
import type { CliContext } from './context.js';
import { example } from './options.js';

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('completion')
    .description('print the shell completion script: commands, options and secret names (never values)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell));
    });
  example(
    cmd,
    [
      'source <(kamal-secret completion bash)     # in ~/.bashrc',
      'source <(kamal-secret completion zsh)      # in ~/.zshrc, after compinit',
      'kamal-secret completion fish > ~/.config/fish/completions/kamal-secret.fish',
    ].join('\n'),
  );

  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      const answer = await complete(program, ctx, words.length ? words : ['']);
      process.stdout.write(answer === 'files' ? 'files\n' : ['words', ...answer].map((l) => `${l}\n`).join(''));
    });
}

/** Commands whose arguments are secret references. */
const REF_COMMANDS = new Set(['get', 'set', 'rm', 'mv', 'fetch']);
/** Of those, the commands that look a name up outwards (APP/DEST, APP, global) rather than in one scope. */
const LOOKUP_COMMANDS = new Set(['get', 'fetch']);

interface OptionSpec {
  flags: string[];
  /** the option's name in the parsed options: scope, destination, global, file, … */
  key: string;
  takesValue: boolean;
  choices?: readonly string[];
  description: string;
}

/** What the words before the one being completed say: the (sub)command, options given, positionals. */
interface LineSoFar {
  cmd: Command;
  /** an option waiting for its value: the word being completed */
  pending?: OptionSpec;
  positionals: string[];
  given: Record<string, string | boolean>;
  /** after `--` (run -- COMMAND): the words are another program's */
  passedOn: boolean;
}

function readLine(program: Command, words: string[]): LineSoFar {
  const line: LineSoFar = { cmd: program, positionals: [], given: {}, passedOn: false };
  for (const word of words) {
    if (line.pending) {
      line.given[line.pending.key] = word;
      line.pending = undefined;
    } else if (word === '--') {
      line.passedOn = true;
      return line;
    } else if (word.startsWith('-') && word.length > 1) {
      const spec = optionSpecs(line.cmd).find((o) => o.flags.includes(word.split('=')[0]));
      if (spec?.takesValue && !word.includes('=')) line.pending = spec;
      else if (spec) line.given[spec.key] = true;
    } else {
      const sub = line.positionals.length
        ? undefined
        : subcommands(line.cmd).find((c) => c.name() === word || c.aliases().includes(word));
      if (sub) line.cmd = sub;
      else line.positionals.push(word);
    }
  }
  return line;
}

/** The candidates for the last of `words` (the word being completed), or 'files'. */
async function complete(program: Command, ctx: CliContext, words: string[]): Promise<string[] | 'files'> {
  const current = words[words.length - 1];
  const { cmd, pending, positionals, given, passedOn } = readLine(program, words.slice(0, -1));
  if (passedOn) return [];
  const matching = (candidates: string[]) => candidates.filter((c) => c.startsWith(current));
  if (pending) {
    if (pending.choices) return matching([...pending.choices]);
    if (pending.key === 'file') return 'files';
    if (pending.key === 'scope') return matching(await scopes(ctx));
    if (pending.key === 'destination') return matching(await destinations(ctx));
    return [];
  }
  if (current.startsWith('-'))
    return optionSpecs(cmd)
      .flatMap((o) => o.flags.filter((f) => f.startsWith('--') || current === '-').map((f) => `${f}\t${o.description}`))
      .filter((c) => c.startsWith(current));
  const subs = positionals.length === 0 ? subcommands(cmd) : [];
  if (subs.length)
    return subs.filter((c) => c.name().startsWith(current)).map((c) => `${c.name()}\t${c.description()}`);
  const args = cmd.registeredArguments;
  const arg = args[Math.min(positionals.length, args.length - 1)];
  if (arg?.argChoices) return matching(arg.argChoices);
  if (arg?.name() === 'file') return 'files';
  if (REF_COMMANDS.has(cmd.name())) return matching(await references(ctx, cmd.name(), given, current));
  return [];
}

function subcommands(cmd: Command): Command[] {
  return cmd
    .createHelp()
    .visibleCommands(cmd)
    .filter((c) => c.name() !== 'help');
}

function optionSpecs(cmd: Command): OptionSpec[] {
  // get's options are parsed by light/get-args.ts (its help shows them from there too).
  if (cmd.name() === 'get')
    return Object.entries(GET_OPTIONS).map(([key, o]) => ({
      flags: ['short' in o ? `-${o.short}` : '', `--${key}`].filter(Boolean),
      key,
      takesValue: o.type === 'string',
      description: o.help,
    }));
  return cmd
    .createHelp()
    .visibleOptions(cmd)
    .map((o) => ({
      flags: [o.short, o.long].filter((f): f is string => Boolean(f)),
      key: o.attributeName(),
      takesValue: o.required,
      choices: o.argChoices,
      description: o.description,
    }));
}

/** What an already unlocked agent lists (names, never values); nothing when it is locked or absent. */
async function listed(ctx: CliContext): Promise<Listed[]> {
  const status = ctx.config.useAgent ? await agentStatus(ctx.config.agentSocket) : null;
  if (!status || status.locked) return [];
  return new AgentSession(ctx.config.agentSocket).list().catch(() => []);
}

/**
 * Secret references for `command`: with nothing typed, the bare names the command would
 * reach from its scope; once something is typed, also APP/NAME forms and :NAME for the
 * global scope.
 */
async function references(
  ctx: CliContext,
  command: string,
  given: Record<string, string | boolean>,
  current: string,
): Promise<string[]> {
  const entries = await listed(ctx);
  let scope = '';
  try {
    scope = ctx.scope({
      scope: given.scope as string | undefined,
      destination: given.destination as string | undefined,
      global: given.global === true,
    });
  } catch {
    // an invalid --scope or service: complete from the global scope
  }
  const reachable = new Set(LOOKUP_COMMANDS.has(command) ? scopeChain(scope) : [scope]);
  const bare = entries.filter((e) => reachable.has(e.scope)).map((e) => e.name);
  const full = current === '' ? [] : entries.map(commandLineRef);
  return [...new Set([...bare, ...full])];
}

/** The app around the working directory: its service and destinations, read without YAML. */
function appHere(ctx: CliContext): { service: string | null; destinations: string[] } {
  const app = ctx.app;
  if (!app) return { service: null, destinations: [] };
  return { service: readServiceName(fs.readFileSync(app.deployYml, 'utf8')), destinations: listDestinations(app.root) };
}

async function scopes(ctx: CliContext): Promise<string[]> {
  const { service, destinations: dests } = appHere(ctx);
  const here = service ? [service, ...dests.map((d) => `${service}/${d}`)] : [];
  const inVault = (await listed(ctx)).map((e) => e.scope).filter(Boolean);
  return [...new Set([...here, ...inVault])].sort();
}

async function destinations(ctx: CliContext): Promise<string[]> {
  const { service, destinations: dests } = appHere(ctx);
  const inVault = (await listed(ctx))
    .map((e) => e.scope.split('/'))
    .filter(([app, dest]) => dest && app === service)
    .map(([, dest]) => dest);
  return [...new Set([...dests, ...inVault])].sort();
}
