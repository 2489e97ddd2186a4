import { IngestError } from '@parley/ingest';

/**
 * A refusal by the YouTube Data API, with the `reason` YouTube gives (`quotaExceeded`,
 * `rateLimitExceeded`, `liveChatEnded`, `liveChatNotFound`, `authError`, …): callers decide
 * on the reason, never on the message text. `code` is `youtube_<reason>`.
 */
export class YouTubeApiError extends IngestError {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(`youtube_${reason}`, `${status} ${reason}: ${message}`);
  }

  /** The chat is gone for good: stop reading it. */
  get chatOver(): boolean {
    return this.reason === 'liveChatEnded' || this.reason === 'liveChatNotFound' || this.reason === 'liveChatDisabled';
  }
}

/** A call the quota planner refused before it was made: the budget for it is spent until `retryAfterMs`. */
export class QuotaExhaustedError extends IngestError {
  declare readonly retryAfterMs: number;

  constructor(
    readonly project: string,
    /** ms until the budget is whole again (midnight Pacific time). */
    retryAfterMs: number,
    readonly why: 'daily' | 'reserved' | 'chat-cap',
  ) {
    super('quota_exhausted', `YouTube quota of project ${project} is spent (${why}); whole again in ${Math.ceil(retryAfterMs / 60_000)} min`, retryAfterMs);
  }
}
