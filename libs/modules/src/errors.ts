/**
 * Why one call to a module webhook failed. Messages name the module by id only: never
 * its URL (which may embed a token) nor its secret.
 */
export abstract class WebhookError extends Error {
  abstract override readonly name: string;
  constructor(
    readonly moduleId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`module ${moduleId}: ${message}`, options);
  }
}

/** No complete answer within the module's `timeoutMs` (the request was aborted). */
export class WebhookTimeoutError extends WebhookError {
  override readonly name = 'WebhookTimeoutError';
  constructor(
    moduleId: string,
    readonly timeoutMs: number,
  ) {
    super(moduleId, `no answer within ${timeoutMs} ms`);
  }
}

/** The module answered with a status other than 2xx (redirects are not followed). */
export class WebhookHttpError extends WebhookError {
  override readonly name = 'WebhookHttpError';
  constructor(
    moduleId: string,
    readonly status: number,
  ) {
    super(moduleId, `answered HTTP ${status}`);
  }
}

export type WebhookResponseProblem = 'oversize' | 'invalid-json' | 'invalid-reply';

/** The module answered 2xx with a body Parley cannot use. */
export class WebhookResponseError extends WebhookError {
  override readonly name = 'WebhookResponseError';
  constructor(
    moduleId: string,
    readonly problem: WebhookResponseProblem,
    detail: string,
  ) {
    super(moduleId, `${problem}: ${detail}`);
  }
}

/** The request did not get an answer: connection refused or reset, DNS failure, TLS error. */
export class WebhookTransportError extends WebhookError {
  override readonly name = 'WebhookTransportError';
  /** The system error code when there is one (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, ...). */
  readonly code: string | undefined;
  constructor(moduleId: string, cause: unknown) {
    const code = systemCode(cause);
    super(moduleId, `request failed${code ? ` (${code})` : ''}`, { cause });
    this.code = code;
  }
}

/** The module's definition cannot be called (bad URL, empty secret, bad timeout); no request was made. */
export class WebhookModuleConfigError extends WebhookError {
  override readonly name = 'WebhookModuleConfigError';
  constructor(
    moduleId: string,
    readonly field: 'id' | 'url' | 'secret' | 'timeoutMs',
    problem: string,
  ) {
    super(moduleId, `invalid ${field}: ${problem}`);
  }
}

function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
