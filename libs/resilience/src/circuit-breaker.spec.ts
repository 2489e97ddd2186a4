import type { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BreakerRegistry,
  CircuitOpenError,
  CircuitShutdownError,
  CircuitTimeoutError,
  DefaultCircuitBreakerOptions,
  createCircuitBreaker,
  type CircuitBreakerEvents,
} from './circuit-breaker.js';

type Recorded = { event: keyof CircuitBreakerEvents; info: unknown };

function record(emitter: EventEmitter<CircuitBreakerEvents>): Recorded[] {
  const seen: Recorded[] = [];
  for (const event of ['stateChanged', 'rejected', 'timeout', 'failure', 'success'] as const) {
    emitter.on(event, (info: unknown) => seen.push({ event, info }));
  }
  return seen;
}

/** An action that succeeds or fails on demand and counts its runs. */
function switchable() {
  const calls = { count: 0 };
  const action = async (ok: boolean): Promise<string> => {
    calls.count++;
    if (!ok) throw new Error('boom');
    return 'ok';
  };
  return { calls, action };
}

const options = { timeoutMs: 1_000, volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 300, rollingCountTimeoutMs: 10_000 };

describe('createCircuitBreaker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("has Parley's defaults", () => {
    expect(DefaultCircuitBreakerOptions).toMatchObject({
      timeoutMs: 2_000,
      errorThresholdPercentage: 50,
      volumeThreshold: 5,
      resetTimeoutMs: 10_000,
      rollingCountTimeoutMs: 10_000,
    });
    const breaker = createCircuitBreaker('defaults', async () => 1);
    expect(breaker.options).toEqual(DefaultCircuitBreakerOptions);
    expect(breaker.opossum.volumeThreshold).toBe(5);
    breaker.shutdown();
  });

  it('stays closed below volumeThreshold calls and opens at it', async () => {
    const { calls, action } = switchable();
    const breaker = createCircuitBreaker('svc', action, options);
    const seen = record(breaker);
    for (let i = 0; i < 4; i++) await expect(breaker.fire(false)).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed');
    await expect(breaker.fire(false)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open');
    expect(seen.filter((e) => e.event === 'failure')).toHaveLength(5);
    expect(seen).toContainEqual({ event: 'stateChanged', info: { name: 'svc', state: 'open' } });

    await expect(breaker.fire(true)).rejects.toBeInstanceOf(CircuitOpenError);
    expect(calls.count).toBe(5);
    expect(seen.at(-1)).toEqual({ event: 'rejected', info: { name: 'svc' } });
    breaker.shutdown();
  });

  it('stays closed while failures are not above the error percentage', async () => {
    const { action } = switchable();
    const breaker = createCircuitBreaker('svc', action, options);
    for (let i = 0; i < 5; i++) await breaker.fire(true);
    for (let i = 0; i < 5; i++) await expect(breaker.fire(false)).rejects.toThrow('boom');
    expect(breaker.state).toBe('closed'); // 5 of 10 = 50 %, not above 50 %
    await expect(breaker.fire(false)).rejects.toThrow('boom');
    expect(breaker.state).toBe('open'); // 6 of 11
    breaker.shutdown();
  });

  it('times a slow call out with CircuitTimeoutError and reports a timeout, not a failure', async () => {
    const breaker = createCircuitBreaker('slow', () => new Promise<never>(() => {}), { ...options, timeoutMs: 100 });
    const seen = record(breaker);
    const call = breaker.fire();
    const settled = expect(call).rejects.toBeInstanceOf(CircuitTimeoutError);
    await vi.advanceTimersByTimeAsync(99);
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await settled;
    expect(seen).toEqual([{ event: 'timeout', info: { name: 'slow', latencyMs: 100 } }]);
    breaker.shutdown();
  });

  it("counts an action's own AbortSignal timeout as a timeout and passes its error through", async () => {
    const breaker = createCircuitBreaker(
      'aborting',
      async () => {
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      },
      { ...options, timeoutMs: false },
    );
    const seen = record(breaker);
    await expect(breaker.fire()).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(seen.map((e) => e.event)).toEqual(['timeout']);
    breaker.shutdown();
  });

  it('reports success with its latency', async () => {
    const breaker = createCircuitBreaker('timed', () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 40)), options);
    const seen = record(breaker);
    const call = breaker.fire();
    await vi.advanceTimersByTimeAsync(40);
    await expect(call).resolves.toBe('done');
    expect(seen).toEqual([{ event: 'success', info: { name: 'timed', latencyMs: 40 } }]);
    breaker.shutdown();
  });

  it('half-opens after resetTimeoutMs, lets one trial through and closes on its success', async () => {
    const { calls, action } = switchable();
    const breaker = createCircuitBreaker('svc', action, options);
    const states: string[] = [];
    breaker.on('stateChanged', ({ state }) => states.push(state));
    for (let i = 0; i < 5; i++) await expect(breaker.fire(false)).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(299);
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(breaker.state).toBe('half-open');

    const trial = breaker.fire(true);
    await expect(breaker.fire(true)).rejects.toBeInstanceOf(CircuitOpenError); // only one trial at a time
    await expect(trial).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(calls.count).toBe(6);
    breaker.shutdown();
  });

  it('opens again when the trial fails', async () => {
    const { action } = switchable();
    const breaker = createCircuitBreaker('svc', action, options);
    const states: string[] = [];
    breaker.on('stateChanged', ({ state }) => states.push(state));
    for (let i = 0; i < 5; i++) await expect(breaker.fire(false)).rejects.toThrow();
    await vi.advanceTimersByTimeAsync(300);
    await expect(breaker.fire(false)).rejects.toThrow('boom');
    expect(states).toEqual(['open', 'half-open', 'open']);
    await vi.advanceTimersByTimeAsync(300);
    expect(breaker.state).toBe('half-open');
    breaker.shutdown();
  });

  it('refuses calls after shutdown', async () => {
    const breaker = createCircuitBreaker('gone', async () => 1, options);
    breaker.shutdown();
    await expect(breaker.fire()).rejects.toBeInstanceOf(CircuitShutdownError);
  });

  it('rejects nonsensical options', () => {
    expect(() => createCircuitBreaker('x', async () => 1, { resetTimeoutMs: 0 })).toThrow(RangeError);
    expect(() => createCircuitBreaker('x', async () => 1, { errorThresholdPercentage: 150 })).toThrow(RangeError);
    expect(() => createCircuitBreaker('x', async () => 1, { volumeThreshold: -1 })).toThrow(RangeError);
    expect(() => createCircuitBreaker('x', async () => 1, { timeoutMs: 1.5 })).toThrow(RangeError);
  });
});

describe('BreakerRegistry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps one breaker per key, made by the factory on first use', () => {
    const registry = new BreakerRegistry();
    const factory = vi.fn((key: string) => createCircuitBreaker(key, async (n: number) => n * 2, options));
    const a = registry.get('a', factory);
    expect(registry.get('a', factory)).toBe(a);
    expect(registry.get('b', factory)).not.toBe(a);
    expect(factory).toHaveBeenCalledTimes(2);
    expect(registry.states()).toEqual([
      { name: 'a', state: 'closed' },
      { name: 'b', state: 'closed' },
    ]);
    registry.shutdown();
    expect(registry.states()).toEqual([]);
  });

  it("forwards every breaker's events with its name, and states() follows them", async () => {
    const registry = new BreakerRegistry();
    const seen = record(registry);
    const { action } = switchable();
    const a = registry.get('a', (key) => createCircuitBreaker(key, action, options));
    const b = registry.get('b', (key) => createCircuitBreaker(key, action, options));
    for (let i = 0; i < 5; i++) await expect(a.fire(false)).rejects.toThrow();
    await expect(a.fire(true)).rejects.toBeInstanceOf(CircuitOpenError);
    await b.fire(true);

    expect(seen.filter((e) => e.event === 'failure')).toHaveLength(5);
    expect(seen).toContainEqual({ event: 'stateChanged', info: { name: 'a', state: 'open' } });
    expect(seen).toContainEqual({ event: 'rejected', info: { name: 'a' } });
    expect(seen.at(-1)).toMatchObject({ event: 'success', info: { name: 'b' } });
    expect(registry.states()).toEqual([
      { name: 'a', state: 'open' },
      { name: 'b', state: 'closed' },
    ]);
    registry.shutdown();
  });

  it('delete shuts the breaker down and stops forwarding it', async () => {
    const registry = new BreakerRegistry();
    const seen = record(registry);
    const breaker = registry.get('a', (key) => createCircuitBreaker(key, async () => 1, options));
    expect(registry.delete('a')).toBe(true);
    expect(registry.delete('a')).toBe(false);
    expect(registry.has('a')).toBe(false);
    await expect(breaker.fire()).rejects.toBeInstanceOf(CircuitShutdownError);
    expect(seen).toEqual([]);
  });
});
