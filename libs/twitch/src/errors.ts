import { IngestError, TokenRefreshError } from '@parley/ingest';

/** A line that is not a valid IRC message. Carries the offending line (truncated) for logs. */
export class IrcParseError extends IngestError {
  constructor(
    readonly reason: string,
    readonly line: string,
  ) {
    super('irc_parse', `malformed IRC line: ${reason}`);
  }
}

/**
 * Twitch refused the login (bad or expired token, wrong login for the token). Retrying
 * with the same credentials cannot help, so the connection stops and never retries it.
 */
export class TmiAuthError extends IngestError {
  constructor(
    /** The NOTICE text Twitch sent, e.g. `Login authentication failed`. */
    readonly notice: string,
  ) {
    super('login_refused', `Twitch refused the login: ${notice}`);
  }
}

/** One connection attempt failed (socket error, timeout before the welcome); it is retried. */
export class TmiConnectError extends IngestError {
  constructor(readonly reason: string) {
    super('connect_failed', `could not connect to Twitch chat: ${reason}`, 0);
  }
}

/** The connection was closed by `close()`; pending work is abandoned. */
export class TmiClosedError extends IngestError {
  constructor() {
    super('closed', 'the TMI connection was closed');
  }
}

/** `say()` while no connection is up: the caller keeps the message and retries later. */
export class TmiNotConnectedError extends IngestError {
  constructor() {
    super('not_connected', 'not connected to Twitch chat', 1_000);
  }
}

/** Twitch did not let us into a channel: `msgId` is its NOTICE msg-id, or `timeout`. */
export class TmiJoinError extends IngestError {
  constructor(
    readonly channel: string,
    readonly msgId: string,
    readonly notice?: string,
  ) {
    super('join_refused', `could not join #${channel}: ${notice ?? msgId}`);
  }
}

/** A PRIVMSG that cannot become a ChatEvent (missing tags, out-of-bounds values). */
export class TmiNormalizeError extends IngestError {
  constructor(readonly reason: string) {
    super('normalize', `cannot normalize Twitch message: ${reason}`);
  }
}

/** Refreshing the bot's token at Twitch failed. Carries Twitch's status, never a token or secret. */
export class TwitchTokenError extends TokenRefreshError {}
