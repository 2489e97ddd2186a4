/**
 * A statement broke one of the schema's rules. Carries Postgres's SQLSTATE `code` and the
 * `constraint` it broke, so the hub can answer 409/422 naming the field instead of 500.
 */
export class DbError extends Error {
  override readonly name: string = 'DbError';
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly constraint: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** 23505: a row with the same unique key exists (a community slug, a channel, a command name). */
export class UniqueViolationError extends DbError {
  override readonly name = 'UniqueViolationError';
}

/** 23503: the referenced row does not exist (e.g. a channel for an unknown community). */
export class ForeignKeyViolationError extends DbError {
  override readonly name = 'ForeignKeyViolationError';
}

/** 23514: a value the schema rejects (unknown platform or role, uppercase command name, ...). */
export class CheckViolationError extends DbError {
  override readonly name = 'CheckViolationError';
}

/** The migrations could not be found or applied; `cause` holds node-pg-migrate's or Postgres's error. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

interface PgErrorShape {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
}

/** Turns a pg error into the typed error a caller can act on; anything else is returned unchanged. */
export function translatePgError(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { code, constraint, message } = error as PgErrorShape;
  if (typeof code !== 'string') return error;
  const name = typeof constraint === 'string' ? constraint : undefined;
  const text = typeof message === 'string' ? message : code;
  switch (code) {
    case '23505':
      return new UniqueViolationError(text, code, name, { cause: error });
    case '23503':
      return new ForeignKeyViolationError(text, code, name, { cause: error });
    case '23514':
      return new CheckViolationError(text, code, name, { cause: error });
    default:
      return error;
  }
}
