export interface BackoffOptions {
  /** Delay cap for the first attempt, in ms. */
  baseMs: number;
  /** Upper bound for any delay, in ms. */
  maxMs: number;
}

export const DefaultBackoffOptions: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * "Full jitter" exponential backoff (AWS architecture blog): a uniform delay in
 * [0, min(max, base * 2^attempt)). Spreads reconnect storms of many pods over time.
 */
export function fullJitterDelay(attempt: number, options: BackoffOptions = DefaultBackoffOptions, random = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}
