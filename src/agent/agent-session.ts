// A VaultSession served by the agent: every operation is one request on its socket.

import { LockedError, UserError } from '../errors.js';
import { AgentUnavailable, request } from '../light/agent-client.js';
import type { Reply, Request, Status } from '../light/protocol.js';
import {
  asText,
  type Found,
  type FoundValue,
  type Listed,
  type Mutation,
  type MutationResult,
} from '../vault/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { Warn } from '../vault/store.js';

export class AgentSession implements VaultSession {
  /** Hears the warnings the agent's replies carry (a vault that went back in time). */
  warn: Warn = () => undefined;

  constructor(readonly socket: string) {}

  async call<T = Record<string, unknown>>(req: Request): Promise<T> {
    let reply: Reply;
    try {
      reply = await request(this.socket, req);
    } catch (err) {
      if (err instanceof AgentUnavailable)
        throw new UserError(`the agent at ${this.socket} stopped answering (${err.message}); run the command again`);
      throw err;
    }
    if (reply.ok && typeof reply.warning === 'string') this.warn(reply.warning);
    if (reply.ok) return reply as T;
    if (reply.code === 'locked') throw new LockedError();
    throw new UserError(reply.error, reply.exit ?? 1);
  }

  async lookupValue(name: string, chain: string[]) {
    return (await this.call<{ found: FoundValue | null }>({ op: 'get', name, chain })).found;
  }

  async lookup(name: string, chain: string[]) {
    const found = await this.lookupValue(name, chain);
    return found && asText(found);
  }

  async visible(chain: string[]) {
    return new Map((await this.call<{ secrets: [string, Found][] }>({ op: 'visible', chain })).secrets);
  }

  async list() {
    return (await this.call<{ entries: Listed[] }>({ op: 'list' })).entries;
  }

  async mutate(mutation: Mutation) {
    return (await this.call<{ result: MutationResult }>({ op: 'mutate', mutation })).result;
  }

  async rewrap(passphrase: string) {
    await this.call({ op: 'rewrap', passphrase });
  }

  status() {
    return this.call<Status>({ op: 'status' });
  }

  close() {}
}
