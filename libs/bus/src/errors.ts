/**
 * Thrown by a handler to say "retrying cannot help": the consumer moves the entry to the
 * dead-letter stream at once with `reason` and acknowledges it (BullMQ's
 * `UnrecoverableError`). Every other error leaves the entry pending, so it is delivered
 * again after `claimIdleMs` until `maxDeliveries` runs out.
 *
 * `ContractError` from `@parley/contracts` (a payload this build does not understand) is
 * treated the same way.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
  }
}

/**
 * `StreamConsumer.stop()` gave up waiting for handlers still running after
 * `shutdownTimeoutMs`. Their entries stay pending and another consumer reclaims them
 * after `claimIdleMs`; nothing is lost, but they may be handled twice.
 */
export class ShutdownTimeoutError extends Error {
  override readonly name = 'ShutdownTimeoutError';
  constructor(
    readonly timeoutMs: number,
    readonly inFlight: number,
  ) {
    super(`stop() timed out after ${timeoutMs} ms with ${inFlight} entries in flight; they stay pending and will be reclaimed`);
  }
}
