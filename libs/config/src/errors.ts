/** One configuration variable that failed validation, and what it should have been. */
export interface ConfigIssue {
  /** The environment variable's name (a dotted path for nested schemas; empty for a whole-config rule). */
  readonly variable: string;
  /** "is required (…)" or "must be …" — never the value, which may be a secret. */
  readonly problem: string;
}

/**
 * The environment does not describe a runnable service. `message` is one line naming
 * every bad variable, so an operator fixes them all in one go instead of one per restart.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration: ${issues.map((issue) => (issue.variable ? `${issue.variable} ${issue.problem}` : issue.problem)).join('; ')}`);
  }
}
