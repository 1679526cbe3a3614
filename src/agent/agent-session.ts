// A VaultSession served by the agent: every operation is one request on its socket.
// It holds no key (the agent does), so close() has nothing to zero.

import { type ErrorCode, LockedError, UserError } from '../errors.js';
import { AgentUnavailable, request } from '../light/agent-client.js';
import { type Op, type Replies, type Reply, type RequestFor, replyTimeoutMs, type Status } from '../light/protocol.js';
import type { TeamPlace } from '../light/team-place.js';
import type { TeamMemory } from '../team/verify.js';
import { asText, type Mutation } from '../vault/secrets.js';
import type { VaultSession } from '../vault/session.js';
import type { Warn } from '../vault/store.js';

export class AgentSession implements VaultSession {
  /** Hears the warnings the agent's replies carry (a vault that went back in time). */
  warn: Warn = () => undefined;
  team?: TeamPlace;

  constructor(
    readonly socket: string,
    private readonly keychainTimeoutMs?: number,
  ) {}

  async call<K extends Op>(req: RequestFor<K>): Promise<Replies[K]> {
    let reply: Reply<K>;
    try {
      reply = await request(this.socket, req, replyTimeoutMs(req.op, this.keychainTimeoutMs));
    } catch (err) {
      if (err instanceof AgentUnavailable)
        throw new UserError(`the agent at ${this.socket} stopped answering (${err.message})`, {
          code: 'agent_unavailable',
          fix: 'run the command again',
        });
      throw err;
    }
    if (reply.ok && typeof reply.warning === 'string') this.warn(reply.warning);
    if (reply.ok) return reply;
    if (reply.code === 'locked') throw new LockedError();
    if (reply.code === 'bad_request') throw new Error(`the agent refused a request as malformed: ${reply.error}`);
    throw new UserError(reply.error, {
      exit: reply.exit,
      code: reply.user_code as ErrorCode | undefined,
      fix: reply.fix,
    });
  }

  async lookupValue(name: string, chain: string[]) {
    return (await this.call({ op: 'get', name, chain, ...this.inApp() })).found;
  }

  async lookup(name: string, chain: string[]) {
    const found = await this.lookupValue(name, chain);
    return found && asText(found);
  }

  async visible(chain: string[]) {
    return new Map((await this.call({ op: 'visible', chain, ...this.inApp() })).secrets);
  }

  async all() {
    const { secrets, binary, unreadable, unjoined } = await this.call({ op: 'all', ...this.inApp() });
    return { secrets, binary, ...(unreadable && { unreadable }), ...(unjoined && { unjoined }) };
  }

  private inApp() {
    return this.team ? { team: this.team } : {};
  }

  async list() {
    return (await this.call({ op: 'list' })).entries;
  }

  async mutate(mutation: Mutation) {
    return (await this.call({ op: 'mutate', mutation })).result;
  }

  async rewrap(passphrase: string) {
    await this.call({ op: 'rewrap', passphrase });
  }

  async identity() {
    return (await this.call({ op: 'identity' })).identity;
  }

  async teamMemory(app: string) {
    return (await this.call({ op: 'team-memory', app })).memory;
  }

  async rememberTeam(app: string, memory: TeamMemory) {
    await this.call({ op: 'remember-team', app, memory });
  }

  status(): Promise<Status> {
    return this.call({ op: 'status' });
  }

  close() {}
}
