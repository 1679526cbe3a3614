// Errors a user can cause. The CLI prints `message` as one line on stderr and exits
// with `exitCode`; anything that is not a UserError is a bug and gets a stack trace.

export const EXIT = { ok: 0, error: 1, usage: 2, locked: 3 } as const;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export class LockedError extends UserError {
  constructor(message = 'the vault is locked and no passphrase can be asked here; run: kamal-secret unlock') {
    super(message, EXIT.locked);
  }
}
