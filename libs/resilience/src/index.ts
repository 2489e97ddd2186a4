export { DefaultBackoffOptions, fullJitterDelay, type BackoffOptions } from './backoff.js';
export {
  DefaultSlidingWindowRateLimiterOptions,
  SlidingWindowRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type SlidingWindowRateLimiterEvents,
  type SlidingWindowRateLimiterOptions,
} from './rate-limiter.js';
export {
  BreakerRegistry,
  CircuitBreaker,
  CircuitOpenError,
  CircuitShutdownError,
  CircuitTimeoutError,
  DefaultCircuitBreakerOptions,
  createCircuitBreaker,
  isTimeoutError,
  type BreakerState,
  type CircuitBreakerEvents,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
