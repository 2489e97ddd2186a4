/** Why an import could not even start; every other problem is an item of the report. */
export type ImportErrorCode =
  /** The file or response is not JSON (or not the source's shape at all). */
  | 'malformed'
  /** The file or response is larger than the importer reads. */
  | 'too-large'
  /** The source refused the token (401/403). */
  | 'source-auth'
  /** The source could not be reached or answered an error. */
  | 'source-unavailable'
  /** The state changed between the dry run and the apply: run the dry run again. */
  | 'plan-changed'
  /** The community to import into does not exist. */
  | 'no-community';

/**
 * A typed failure of a whole import with a message fit for the user: it never holds a
 * token, and never more than a short excerpt of the input.
 */
export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(
    readonly code: ImportErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
