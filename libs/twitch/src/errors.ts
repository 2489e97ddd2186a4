/** A line that is not a valid IRC message. Carries the offending line (truncated) for logs. */
export class IrcParseError extends Error {
  override readonly name = 'IrcParseError';
  constructor(
    readonly reason: string,
    readonly line: string,
  ) {
    super(`malformed IRC line: ${reason}`);
  }
}

/**
 * Twitch refused the login (bad or expired token, wrong login for the token). Retrying
 * with the same credentials cannot help, so the connection stops and never retries it.
 */
export class TmiAuthError extends Error {
  override readonly name = 'TmiAuthError';
  constructor(
    /** The NOTICE text Twitch sent, e.g. `Login authentication failed`. */
    readonly notice: string,
  ) {
    super(`Twitch refused the login: ${notice}`);
  }
}

/** One connection attempt failed (socket error, timeout before the welcome); it is retried. */
export class TmiConnectError extends Error {
  override readonly name = 'TmiConnectError';
  constructor(readonly reason: string) {
    super(`could not connect to Twitch chat: ${reason}`);
  }
}

/** The connection was closed by `close()`; pending work is abandoned. */
export class TmiClosedError extends Error {
  override readonly name = 'TmiClosedError';
  constructor() {
    super('the TMI connection was closed');
  }
}

/** `say()` while no connection is up: the caller keeps the message and retries later. */
export class TmiNotConnectedError extends Error {
  override readonly name = 'TmiNotConnectedError';
  constructor() {
    super('not connected to Twitch chat');
  }
}

/** Twitch did not let us into a channel: `msgId` is its NOTICE msg-id, or `timeout`. */
export class TmiJoinError extends Error {
  override readonly name = 'TmiJoinError';
  constructor(
    readonly channel: string,
    readonly msgId: string,
    readonly notice?: string,
  ) {
    super(`could not join #${channel}: ${notice ?? msgId}`);
  }
}

/** A PRIVMSG that cannot become a ChatEvent (missing tags, out-of-bounds values). */
export class TmiNormalizeError extends Error {
  override readonly name = 'TmiNormalizeError';
  constructor(readonly reason: string) {
    super(`cannot normalize Twitch message: ${reason}`);
  }
}

/** Refreshing the bot's token failed. Carries Twitch's status, never a token or secret. */
export class TwitchTokenError extends Error {
  override readonly name = 'TwitchTokenError';
  constructor(
    message: string,
    /** Twitch's HTTP status, or null when the endpoint could not be reached. */
    readonly status: number | null,
    /** A 5xx, 429 or network failure: trying again may help. A 4xx will not. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
