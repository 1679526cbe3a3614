// `kamal-secret check` when an unlocked agent answers, bundled on its own (dist/fast-check.cjs):
// check itself and the YAML parser, but no commander, libsodium or prompts, and the vault's
// values in one request. check runs before deploys and in hooks, so it should cost little
// more than starting Node. Anything unusual returns false before printing a word, and the
// full CLI takes over (it starts or unlocks the agent, prints help, reports errors).

import { type Config, readConfig } from '../config.js';
import type { CheckReport } from '../kamal/check/check.js';
import { request } from '../light/agent-client.js';
import { findApp } from '../light/app.js';
import { findTeamPlace } from '../light/team-place.js';
import { configureOutput } from '../term/output.js';
import { type CheckArgs, parseCheckArgs } from './check-args.js';
import { checkApp, printReport } from './check-report.js';

export async function fastCheck(argv: string[]): Promise<boolean> {
  const cwd = process.cwd();
  let config: Config;
  let args: CheckArgs;
  let report: CheckReport;
  try {
    config = readConfig(process.env);
    args = parseCheckArgs(argv);
    const app = findApp(cwd);
    if (!config.useAgent || !app) return false;
    const socket = config.agentSocket;
    report = await checkApp(args, app.root, process.env, async () => {
      const team = findTeamPlace(app);
      const reply = await request(socket, { op: 'all', ...(team && { team }) });
      if (!reply.ok) throw new Error(reply.error); // locked, or an agent from before `all`
      return reply;
    });
  } catch {
    return false;
  }
  configureOutput({ color: config.color });
  process.exitCode = printReport(report, args, cwd);
  return true;
}
