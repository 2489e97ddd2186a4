export { DefaultBackoffOptions, fullJitterDelay, type BackoffOptions } from './backoff.js';
export {
  DefaultSlidingWindowRateLimiterOptions,
  SlidingWindowRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type SlidingWindowRateLimiterEvents,
  type SlidingWindowRateLimiterOptions,
} from './rate-limiter.js';
