// What the agent tests (and the keychain tests, which drive agents too) share.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BIN, runProcess, type Sandbox } from '../helpers/cli.js';

export type AgentStatus = Record<string, unknown> & { pid: number; locked: boolean };

export async function agentStatus(box: Sandbox, env = {}): Promise<AgentStatus> {
  return JSON.parse((await box.run(['agent', 'status', '--json'], { env })).stdout);
}

/** Poll `agent status --json` until `done` holds: an awaited event, not a guessed time (bounded, for safety). */
export async function statusWhen(box: Sandbox, done: (s: AgentStatus) => boolean, env = {}): Promise<AgentStatus> {
  for (let tries = 0; tries < 300; tries++) {
    const s = await agentStatus(box, env);
    if (done(s)) return s;
    await sleep(200);
  }
  throw new Error('the agent never reached the awaited state');
}

/** The pids of the agent processes serving `socket`. */
export async function agentsServing(socket: string): Promise<string[]> {
  const agents = (await runProcess('pgrep', ['-f', `${BIN} agent`])).stdout.trim().split('\n').filter(Boolean);
  return agents.filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`KAMAL_SECRET_AGENT_SOCK=${socket}`);
    } catch {
      return false; // gone meanwhile
    }
  });
}
