/**
 * The one base of the kit's errors (and of the platform adapters' errors): a stable
 * `code` a caller can switch on and metrics can use as a label, and a retry hint when
 * trying again can help. Messages never carry secrets.
 */
export class IngestError extends Error {
  constructor(
    /** Stable, lower_snake_case: `send_refused`, `not_connected`, ... */
    readonly code: string,
    message: string,
    /** Set when trying again later can help: how long to wait at least, in ms. */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  get retryable(): boolean {
    return this.retryAfterMs !== undefined;
  }
}

/** No connection can carry a message to the channel right now; the action stays pending. */
export class NotConnectedError extends IngestError {
  constructor(readonly channel: string, retryAfterMs = 1_000) {
    super('not_connected', `no connection can send to ${channel} now`, retryAfterMs);
  }
}

/** The send budget (per identity or per channel) is spent; the action stays pending. */
export class SendBudgetExhaustedError extends IngestError {
  constructor(readonly channel: string, retryAfterMs: number) {
    super('send_budget_exhausted', `send budget for ${channel} exhausted; retry in ${retryAfterMs} ms`, retryAfterMs);
  }
}

/** The platform refused a message for a while (rate limit, slow mode); it is sent again later. */
export class SendDeferredError extends IngestError {
  constructor(readonly reason: string, retryAfterMs: number) {
    super('send_deferred', `the platform refused the message for now (${reason}); retry in ${retryAfterMs} ms`, retryAfterMs);
  }
}

/** An action of a kind the platform's transport cannot carry (Twitch IRC: delete, timeout). */
export class UnsupportedActionError extends IngestError {
  constructor(readonly kind: string, readonly platform: string) {
    super('unsupported_action', `action kind ${kind} is not supported by the ${platform} transport`);
  }
}

/** Refreshing a shared token failed. Carries the issuer's HTTP status, never a token or secret. */
export class TokenRefreshError extends IngestError {
  constructor(
    message: string,
    /** The issuer's HTTP status, or null when it could not be reached. */
    readonly status: number | null,
    /** A 5xx, 429 or network failure: trying again may help. A 4xx will not. */
    retryable: boolean,
  ) {
    super('token_refresh_failed', message, retryable ? 0 : undefined);
  }
}
