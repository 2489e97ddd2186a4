export { DefaultBackoffOptions, fullJitterDelay, type BackoffOptions } from './backoff.js';
