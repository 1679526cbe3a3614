// Errors a user can cause. Library code throws them; the CLI edge renders each one
// once: one line on stderr (`kamal-secret: MESSAGE; FIX`), or with --json
// `{"error": {"code", "message", "fix"}}` on stdout, and exits with `exitCode`.
// Anything that is not a UserError is a bug and keeps its stack trace.
// Node built-ins only: the fast bundles use this module.

export const EXIT = { ok: 0, error: 1, usage: 2, locked: 3, interrupted: 130 } as const;

/**
 * Stable codes that scripts can match (add freely, never rename): the general
 * `error`, `usage` and `locked`, and the specific ones below.
 */
export type ErrorCode =
  | 'error'
  | 'usage'
  | 'locked'
  | 'cancelled'
  | 'not_found'
  | 'exists'
  | 'no_access'
  | 'no_vault'
  | 'vault_exists'
  | 'vault_damaged'
  | 'vault_permissions'
  | 'wrong_passphrase'
  | 'agent_unavailable'
  | 'team_refused'
  | 'gitlab'
  | 'system'
  // kamal migrate: a secret would be stored empty; an adapter it cannot evaluate; a
  // different value already in the vault; the new files failed verification (undone)
  | 'empty_secret'
  | 'unsupported_adapter'
  | 'conflict'
  | 'not_verified';

export interface ErrorDetails {
  exit?: number;
  code?: ErrorCode;
  /** how to fix it, when that is not already in the message */
  fix?: string;
}

export class UserError extends Error {
  readonly exitCode: number;
  readonly code: ErrorCode;
  readonly fix: string | undefined;

  constructor(message: string, details: number | ErrorDetails = {}) {
    super(message);
    this.name = 'UserError';
    const d = typeof details === 'number' ? { exit: details } : details;
    this.exitCode = d.exit ?? EXIT.error;
    this.code = d.code ?? (this.exitCode === EXIT.usage ? 'usage' : this.exitCode === EXIT.locked ? 'locked' : 'error');
    this.fix = d.fix;
  }

  /** The one line a person reads. */
  get line(): string {
    return this.fix ? `${this.message}; ${this.fix}` : this.message;
  }

  toJSON(): { error: { code: ErrorCode; message: string; fix: string | null } } {
    return { error: { code: this.code, message: this.message, fix: this.fix ?? null } };
  }
}

export class UsageError extends UserError {
  constructor(message: string, fix?: string) {
    super(message, { exit: EXIT.usage, code: 'usage', fix });
  }
}

export class LockedError extends UserError {
  constructor(message = 'the vault is locked and no passphrase can be asked here', fix = 'run: kamal-secret unlock') {
    super(message, { exit: EXIT.locked, code: 'locked', fix });
  }
}
