// `kamal-secret run` when an unlocked agent answers: one request for every secret the
// scope sees, then the command, with node built-ins and a few small modules only (no
// commander, libsodium or YAML parser), so `run -- kamal deploy` costs little more than
// starting Node. Anything unusual returns false before the command starts, and the full
// CLI takes over: it starts or unlocks the agent, prints help, explains mistakes, and
// names the secrets Kamal will miss (the cheap look here only suspects them).

import { readConfig } from '../config.js';
import { request } from './agent-client.js';
import { runForwardingSignals } from './child-process.js';
import { parseRunArgs } from './run-args.js';
import { childEnvironment, runPlan, suspectedMissing } from './run-command.js';
import { inAppOf } from './team-place.js';

type Visible = [string, { ref: string; value: string }][];

export async function fastRun(argv: string[]): Promise<boolean> {
  let command: string[];
  let env: NodeJS.ProcessEnv;
  try {
    const args = parseRunArgs(argv);
    const config = readConfig(process.env);
    if (!args || !config.useAgent) return false;
    const plan = runPlan(args, config, process.cwd());
    const reply = await request(config.agentSocket, {
      op: 'visible',
      chain: plan.chain,
      ...inAppOf(plan.app, plan.chain),
    });
    if (!reply.ok) return false;
    env = childEnvironment(process.env, reply.secrets as Visible, plan);
    if (suspectedMissing(plan, env)?.size !== 0) return false;
    command = args.command;
  } catch {
    return false;
  }
  try {
    process.exitCode = await runForwardingSignals(command, env);
  } catch {
    return false; // it could not start (not found, not executable): the full CLI says so, the same way as always
  }
  return true;
}
