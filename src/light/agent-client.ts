// Talking to the agent. Kept light (node built-ins only): the fast `get` path uses it.

import { socketIsOurs } from './paths.js';
import { connectPipe } from './pipe-connection.js';
import { encode, type Op, type Reply, type RequestFor, replyTimeoutMs, type Status } from './protocol.js';

/**
 * Nothing (of ours) answered. `connected`: something accepted the connection and then
 * said nothing in time, as an agent that is stopped (SIGSTOP) or out of file
 * descriptors does; otherwise there is no agent at all (no socket, or a dead one's).
 */
export class AgentUnavailable extends Error {
  constructor(
    message: string,
    readonly connected: boolean,
  ) {
    super(message);
  }
}

/** One request, one reply, within the op's timeout (protocol.ts). Rejects with AgentUnavailable. */
export function request<K extends Op>(
  sock: string,
  req: RequestFor<K>,
  timeoutMs = replyTimeoutMs(req.op),
): Promise<Reply<K>> {
  return new Promise((resolve, reject) => {
    if (!socketIsOurs(sock)) return reject(new AgentUnavailable('no agent socket', false));
    let connected = false;
    let settled = false;
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const fail = (why: string) => {
      settled = true;
      clearTimeout(timer);
      conn.close();
      reject(new AgentUnavailable(why, connected));
    };
    const conn = connectPipe(sock, {
      connect() {
        connected = true;
        conn.write(encode(req));
        // A deadline for the exchange, armed once the request is on its way: Node's first timer
        // costs about 0.5 ms, spent here while the agent works. (A Unix socket's connect never
        // waits: it is accepted or refused at once.) A plain timer, not a socket's idle timer:
        // that one is re-armed on every read and write.
        if (!settled) timer = setTimeout(() => fail(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
      },
      data(chunk) {
        if (settled) return;
        chunks.push(chunk);
        if (!chunk.includes(NEWLINE)) return;
        settled = true;
        clearTimeout(timer);
        conn.close();
        const data = Buffer.concat(chunks).toString('utf8');
        try {
          resolve(JSON.parse(data.slice(0, data.indexOf('\n'))) as Reply<K>);
        } catch {
          reject(new AgentUnavailable('the agent sent a malformed reply', true));
        }
      },
      end() {
        if (!settled) fail('the agent closed the connection');
      },
      error: fail,
    });
  });
}

const NEWLINE = 0x0a;

/** What answers on a socket: an agent (with its status), nothing, or something that stays silent. */
export type Probe = { state: 'answering'; status: Status } | { state: 'absent' } | { state: 'silent'; why: string };

export async function probeAgent(sock: string): Promise<Probe> {
  try {
    const reply = await request(sock, { op: 'status' });
    if (reply.ok) return { state: 'answering', status: reply };
    return { state: 'silent', why: reply.error };
  } catch (err) {
    if (err instanceof AgentUnavailable && err.connected) return { state: 'silent', why: err.message };
    return { state: 'absent' };
  }
}

/** The status of the agent answering on `sock`, or null when none (of ours) answers. */
export async function agentStatus(sock: string): Promise<Status | null> {
  const probe = await probeAgent(sock);
  return probe.state === 'answering' ? probe.status : null;
}

/** True when an agent answers on `sock`. */
export async function ping(sock: string): Promise<boolean> {
  return (await agentStatus(sock)) !== null;
}
