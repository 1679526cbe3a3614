// Talking to the agent. Kept light (node built-ins only): the fast `get` path uses it.

import { createConnection } from 'node:net';
import { socketIsOurs } from './paths.js';
import { encode, type Reply, type Request, type Status } from './protocol.js';

export class AgentUnavailable extends Error {}

/** One request, one reply. Rejects with AgentUnavailable when nothing (of ours) answers. */
export function request(sock: string, req: Request, timeoutMs = 30_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    if (!socketIsOurs(sock)) return reject(new AgentUnavailable('no agent socket'));
    const conn = createConnection(sock);
    let data = '';
    const fail = (why: string) => {
      conn.destroy();
      reject(new AgentUnavailable(why));
    };
    conn.setTimeout(timeoutMs, () => fail('the agent did not answer in time'));
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(encode(req)));
    conn.on('data', (chunk: string) => {
      data += chunk;
      const newline = data.indexOf('\n');
      if (newline === -1) return;
      conn.end();
      try {
        resolve(JSON.parse(data.slice(0, newline)) as Reply);
      } catch {
        reject(new AgentUnavailable('the agent sent a malformed reply'));
      }
    });
    conn.on('error', (err) => fail(err.message));
    conn.on('end', () => {
      if (!data.includes('\n')) fail('the agent closed the connection');
    });
  });
}

/** The status of the agent answering on `sock`, or null when none (of ours) answers. */
export async function agentStatus(sock: string): Promise<Status | null> {
  try {
    const reply = await request(sock, { op: 'status' }, 2000);
    return reply.ok ? (reply as unknown as Status) : null;
  } catch {
    return null;
  }
}

/** True when an agent answers on `sock`. */
export async function ping(sock: string): Promise<boolean> {
  return (await agentStatus(sock)) !== null;
}
