import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JoinThrottle, LocalJoinBudget, SharedJoinBudget } from './join-throttle.js';

describe('JoinThrottle with a LocalJoinBudget', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function throttle(count: number, canWrite: () => boolean = () => true) {
    const sent: string[] = [];
    const created = new JoinThrottle(new LocalJoinBudget({ count, perMs: 1_000 }), canWrite, (channel) => void sent.push(channel));
    return { sent, throttle: created };
  }

  it('sends up to the limit at once and the rest as the window slides', async () => {
    const { sent, throttle: t } = throttle(2);
    for (const channel of ['a', 'b', 'c', 'd', 'e']) t.enqueue(channel);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(998);
    expect(sent).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(2);
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('takes no slot while the connection cannot write, and forgets a queue on clear', async () => {
    let connected = false;
    const { sent, throttle: t } = throttle(1, () => connected);
    t.enqueue('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([]);
    connected = true;
    t.enqueue('b');
    await vi.advanceTimersByTimeAsync(0);
    // The slot went to `a`, which waited for the connection; `b` waits for the window.
    expect(sent).toEqual(['a']);
    t.clear();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toEqual(['a']);
  });

  it('drops a removed channel and never queues one twice', async () => {
    const { sent, throttle: t } = throttle(1);
    t.enqueue('a');
    t.enqueue('b');
    t.enqueue('b');
    t.enqueue('c');
    t.remove('c');
    expect(t.queued).toEqual(['a', 'b']);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(sent).toEqual(['a', 'b']);
  });

  it('retries later when the budget itself fails', async () => {
    let failing = true;
    const sent: string[] = [];
    const budget = { take: async () => (failing ? Promise.reject(new Error('redis down')) : 0) };
    const t = new JoinThrottle(budget, () => true, (channel) => void sent.push(channel), 500);
    t.enqueue('a');
    await vi.advanceTimersByTimeAsync(400);
    failing = false;
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(sent).toEqual(['a']);
  });
});

describe('SharedJoinBudget', () => {
  it('asks the shared limiter for the account key and turns a refusal into a wait', async () => {
    const calls: unknown[][] = [];
    let allowed = true;
    const budget = new SharedJoinBudget(
      { acquire: async (...args) => (calls.push(args), { allowed, retryAfterMs: allowed ? 0 : 1_234 }) },
      'ParleyBot',
      { count: 20, perMs: 10_000 },
    );
    expect(await budget.take()).toBe(0);
    allowed = false;
    expect(await budget.take()).toBe(1_234);
    expect(calls[0]).toEqual(['twitch-join:parleybot', 20, 10_000]);
  });
});
