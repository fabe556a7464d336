// The few typed errors the whole project uses. Services throw them; the CLI's one top-level catch
// maps them to a one-line message and an exit code. No process.exit deep in the code.

/** A mistake the user (or agent) can fix: bad id, bad flag value, refused operation. Exit 1. */
export class UserError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Malformed invocation: unknown flag, missing argument. Exit 2. */
export class UsageError extends UserError {
  override readonly exitCode = 2;
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'UsageError';
  }
}

/** An id, name or address that does not exist. */
export class NotFoundError extends UserError {
  constructor(readonly kind: string, readonly key: string, hint?: string) {
    super(`${kind} not found: ${key}`, hint);
    this.name = 'NotFoundError';
  }
}

/** Lost a compare-and-set race (claim, hook): someone else holds it. */
export class ConflictError extends UserError {
  constructor(message: string, readonly holder?: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A bug or broken environment: printed with its stack when GT_DEBUG is set. Exit 3. */
export class InternalError extends Error {
  readonly exitCode = 3;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
