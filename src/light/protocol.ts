// The agent's wire protocol: one JSON object per line, each way, on a Unix socket.
// Requests are size-bounded; every reply is { ok: true, ... } or { ok: false, error }.

import type { Mutation } from '../vault/secrets.js';

export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export type Request =
  | { op: 'status' }
  | { op: 'get'; name: string; chain: string[] }
  | { op: 'visible'; chain: string[] }
  /** every secret with its value, as [ref, value] pairs: check's one request */
  | { op: 'all' }
  | { op: 'list' }
  | { op: 'mutate'; mutation: Mutation }
  | { op: 'rewrap'; passphrase: string }
  | { op: 'unlock'; passphrase?: string }
  | { op: 'lock' }
  | { op: 'stop' };

export interface ErrorReply {
  ok: false;
  /** locked: needs `unlock`; user: a user error with its exit code; bad_request: malformed. */
  code: 'locked' | 'user' | 'bad_request';
  error: string;
  exit?: number;
}

export type Reply = ({ ok: true } & Record<string, unknown>) | ErrorReply;

export interface Status {
  running: true;
  pid: number;
  locked: boolean;
  socket: string;
  vault: string;
  unlocked_via: 'keychain' | 'passphrase' | null;
  keychain: string;
  /** the kamal-secret version the agent runs (absent before 0.1.0's agents said it) */
  version?: string;
}

export function encode(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
