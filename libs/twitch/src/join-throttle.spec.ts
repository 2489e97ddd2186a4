import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JoinThrottle } from './join-throttle.js';

describe('JoinThrottle', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends up to the limit at once and the rest as the window slides', () => {
    const sent: string[] = [];
    const throttle = new JoinThrottle({ count: 2, perMs: 1_000 }, (channel) => (sent.push(channel), true));
    for (const channel of ['a', 'b', 'c', 'd', 'e']) throttle.enqueue(channel);
    expect(sent).toEqual(['a', 'b']);
    vi.advanceTimersByTime(999);
    expect(sent).toEqual(['a', 'b']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['a', 'b', 'c', 'd']);
    vi.advanceTimersByTime(1_000);
    expect(sent).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('does not count a JOIN that was not written, and forgets a queue on clear', () => {
    const sent: string[] = [];
    let connected = false;
    const throttle = new JoinThrottle({ count: 1, perMs: 1_000 }, (channel) => (connected ? (sent.push(channel), true) : false));
    throttle.enqueue('a');
    connected = true;
    throttle.enqueue('b');
    expect(sent).toEqual(['b']);
    throttle.enqueue('c');
    throttle.clear();
    vi.advanceTimersByTime(5_000);
    expect(sent).toEqual(['b']);
  });

  it('drops a removed channel and never queues one twice', () => {
    const sent: string[] = [];
    const throttle = new JoinThrottle({ count: 1, perMs: 1_000 }, (channel) => (sent.push(channel), true));
    throttle.enqueue('a');
    throttle.enqueue('b');
    throttle.enqueue('b');
    throttle.enqueue('c');
    throttle.remove('c');
    expect(throttle.queued).toEqual(['b']);
    vi.advanceTimersByTime(3_000);
    expect(sent).toEqual(['a', 'b']);
  });
});
