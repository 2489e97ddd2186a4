import { EventEmitter } from 'node:events';
import Opossum from 'opossum';

/** Where a breaker stands: `closed` lets calls through, `open` fails them fast, `half-open` lets one trial through. */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /**
   * How long one call may take before the breaker gives up on it and counts a timeout;
   * `false` when the action enforces its own deadline (e.g. with `AbortSignal.timeout`,
   * which also cancels the work — the breaker's own timer only stops waiting).
   */
  timeoutMs: number | false;
  /** Share of failed calls in the rolling window above which the breaker opens. */
  errorThresholdPercentage: number;
  /** Minimum calls in the rolling window before the breaker may open at all. */
  volumeThreshold: number;
  /** Time spent open before one trial call is let through (half-open). */
  resetTimeoutMs: number;
  /** Length of the rolling window the error percentage is computed over. */
  rollingCountTimeoutMs: number;
  /** The rolling window is kept as this many buckets (`rollingCountTimeoutMs / buckets` each). */
  rollingCountBuckets: number;
  /**
   * Whether a rejection of the action is a timeout (reported as `timeout`, not `failure`).
   * Both count against the error percentage. The default recognises errors named
   * `TimeoutError`, the name `AbortSignal.timeout()` gives its abort reason.
   */
  isTimeout: (error: unknown) => boolean;
}

/** The default `isTimeout`: the error's `name` is `TimeoutError` (as `AbortSignal.timeout()` aborts with). */
export function isTimeoutError(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

export const DefaultCircuitBreakerOptions: CircuitBreakerOptions = {
  timeoutMs: 2_000,
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 10_000,
  rollingCountTimeoutMs: 10_000,
  rollingCountBuckets: 10,
  isTimeout: isTimeoutError,
};

/**
 * Events of one breaker (and of a `BreakerRegistry`, which forwards those of all its
 * breakers). Meant for metrics: a state gauge from `stateChanged` (or `states()`), and
 * counters from the rest. Exactly one of `success`, `failure`, `timeout`, `rejected` is
 * emitted per call.
 */
export interface CircuitBreakerEvents {
  stateChanged: [info: { name: string; state: BreakerState }];
  /** A call was short-circuited: the breaker was open (or half-open with its trial under way); the action did not run. */
  rejected: [info: { name: string }];
  /** A call timed out (the breaker's timer, or an error `isTimeout` recognises). */
  timeout: [info: { name: string; latencyMs: number }];
  /** A call's action rejected with any other error. */
  failure: [info: { name: string; latencyMs: number }];
  success: [info: { name: string; latencyMs: number }];
}

/** A call was short-circuited by an open breaker; the action did not run. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(readonly breaker: string) {
    super(`circuit breaker "${breaker}" is open; the call was not made`);
  }
}

/** The breaker's own timer (`timeoutMs`) ran out before the action settled. The action may still be running. */
export class CircuitTimeoutError extends Error {
  override readonly name = 'CircuitTimeoutError';
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
  ) {
    super(`circuit breaker "${breaker}": call timed out after ${timeoutMs} ms`);
  }
}

/** The breaker was shut down (`shutdown()`, or removed from its registry); it accepts no more calls. */
export class CircuitShutdownError extends Error {
  override readonly name = 'CircuitShutdownError';
  constructor(readonly breaker: string) {
    super(`circuit breaker "${breaker}" has been shut down`);
  }
}

/** Opossum's own errors carry these codes. */
const OpossumCode = { open: 'EOPENBREAKER', timeout: 'ETIMEDOUT', shutdown: 'ESHUTDOWN' } as const;

function opossumCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !Opossum.isOurError(error)) return undefined;
  return (error as Error & { code?: string }).code;
}

/**
 * One circuit breaker: a thin wrapper over an opossum breaker that
 * - throws typed errors (`CircuitOpenError`, `CircuitTimeoutError`, `CircuitShutdownError`,
 *   or the action's own error) instead of opossum's coded ones, and
 * - emits typed `CircuitBreakerEvents`, so the lib stays free of any metrics registry.
 *
 * `opossum` is the underlying breaker, for its rolling `stats`.
 */
export class CircuitBreaker<TArgs extends unknown[], TResult> extends EventEmitter<CircuitBreakerEvents> {
  readonly options: Readonly<CircuitBreakerOptions>;
  readonly opossum: Opossum<TArgs, TResult>;

  constructor(
    readonly name: string,
    action: (...args: TArgs) => Promise<TResult>,
    options: Partial<CircuitBreakerOptions> = {},
  ) {
    super();
    this.options = Object.freeze({ ...DefaultCircuitBreakerOptions, ...options });
    validate(this.options);
    this.opossum = new Opossum<TArgs, TResult>(action, {
      name,
      timeout: this.options.timeoutMs,
      errorThresholdPercentage: this.options.errorThresholdPercentage,
      volumeThreshold: this.options.volumeThreshold,
      resetTimeout: this.options.resetTimeoutMs,
      rollingCountTimeout: this.options.rollingCountTimeoutMs,
      rollingCountBuckets: this.options.rollingCountBuckets,
    });
    this.forwardEvents();
  }

  get state(): BreakerState {
    if (this.opossum.opened) return 'open';
    if (this.opossum.halfOpen) return 'half-open';
    return 'closed';
  }

  /**
   * Runs the action through the breaker. Rejects with `CircuitOpenError` when
   * short-circuited, `CircuitTimeoutError` when the breaker's timer ran out,
   * `CircuitShutdownError` after `shutdown()`, else with the action's own error.
   */
  async fire(...args: TArgs): Promise<TResult> {
    try {
      return await this.opossum.fire(...args);
    } catch (error) {
      switch (opossumCode(error)) {
        case OpossumCode.open:
          throw new CircuitOpenError(this.name);
        case OpossumCode.timeout:
          throw new CircuitTimeoutError(this.name, this.options.timeoutMs || 0);
        case OpossumCode.shutdown:
          throw new CircuitShutdownError(this.name);
        default:
          throw error;
      }
    }
  }

  /** Stops the breaker's timers; every later call rejects with `CircuitShutdownError`. */
  shutdown(): void {
    this.opossum.shutdown();
  }

  private forwardEvents(): void {
    const name = this.name;
    const breaker = this.opossum;
    breaker.on('open', () => this.emit('stateChanged', { name, state: 'open' }));
    breaker.on('halfOpen', () => this.emit('stateChanged', { name, state: 'half-open' }));
    breaker.on('close', () => this.emit('stateChanged', { name, state: 'closed' }));
    breaker.on('reject', () => this.emit('rejected', { name }));
    breaker.on('success', (_result: TResult, latencyMs: number) => this.emit('success', { name, latencyMs }));
    // Opossum emits `timeout` and then `failure` for its own timer; the `failure` of that pair is not reported again.
    breaker.on('timeout', (_error: Error, latencyMs?: number) => this.emit('timeout', { name, latencyMs: latencyMs ?? 0 }));
    breaker.on('failure', (error: Error, latencyMs: number) => {
      if (opossumCode(error) === OpossumCode.timeout) return;
      this.emit(this.options.isTimeout(error) ? 'timeout' : 'failure', { name, latencyMs });
    });
  }
}

function validate(options: CircuitBreakerOptions): void {
  const positive = (key: keyof CircuitBreakerOptions, value: number): void => {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer, got ${value}`);
  };
  if (options.timeoutMs !== false) positive('timeoutMs', options.timeoutMs);
  positive('resetTimeoutMs', options.resetTimeoutMs);
  positive('rollingCountTimeoutMs', options.rollingCountTimeoutMs);
  positive('rollingCountBuckets', options.rollingCountBuckets);
  if (!Number.isInteger(options.volumeThreshold) || options.volumeThreshold < 0) {
    throw new RangeError(`volumeThreshold must be a non-negative integer, got ${options.volumeThreshold}`);
  }
  if (!(options.errorThresholdPercentage >= 0 && options.errorThresholdPercentage <= 100)) {
    throw new RangeError(`errorThresholdPercentage must be within 0..100, got ${options.errorThresholdPercentage}`);
  }
}

/** A circuit breaker with Parley's defaults (`DefaultCircuitBreakerOptions`) over `action`. */
export function createCircuitBreaker<TArgs extends unknown[], TResult>(
  name: string,
  action: (...args: TArgs) => Promise<TResult>,
  options?: Partial<CircuitBreakerOptions>,
): CircuitBreaker<TArgs, TResult> {
  return new CircuitBreaker(name, action, options);
}

// A breaker of any signature, as the registry holds them.
type AnyCircuitBreaker = CircuitBreaker<never, unknown>;

/**
 * One breaker per key (per module webhook, per platform API route, ...), created on first
 * use. Forwards the events of every breaker it holds, so an app subscribes once:
 * a gauge from `states()` (or `stateChanged`), counters from the other events.
 */
export class BreakerRegistry extends EventEmitter<CircuitBreakerEvents> {
  private readonly breakers = new Map<string, AnyCircuitBreaker>();

  /** The breaker under `key`; `factory(key)` makes it the first time. */
  get<TArgs extends unknown[], TResult>(
    key: string,
    factory: (key: string) => CircuitBreaker<TArgs, TResult>,
  ): CircuitBreaker<TArgs, TResult> {
    const existing = this.breakers.get(key);
    if (existing) return existing as unknown as CircuitBreaker<TArgs, TResult>;
    const breaker = factory(key);
    breaker.on('stateChanged', (info) => this.emit('stateChanged', info));
    breaker.on('rejected', (info) => this.emit('rejected', info));
    breaker.on('timeout', (info) => this.emit('timeout', info));
    breaker.on('failure', (info) => this.emit('failure', info));
    breaker.on('success', (info) => this.emit('success', info));
    this.breakers.set(key, breaker as unknown as AnyCircuitBreaker);
    return breaker;
  }

  has(key: string): boolean {
    return this.breakers.has(key);
  }

  /** Shuts down and forgets the breaker under `key` (e.g. its module was deleted); false when there was none. */
  delete(key: string): boolean {
    const breaker = this.breakers.get(key);
    if (!breaker) return false;
    this.breakers.delete(key);
    breaker.shutdown();
    breaker.removeAllListeners();
    return true;
  }

  /** Every breaker's name and current state, for a gauge read at scrape time. */
  states(): Array<{ name: string; state: BreakerState }> {
    return [...this.breakers.values()].map((breaker) => ({ name: breaker.name, state: breaker.state }));
  }

  /** Shuts down and forgets every breaker. */
  shutdown(): void {
    for (const key of [...this.breakers.keys()]) this.delete(key);
  }
}
