import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyUseRecorder } from './key-use.js';

afterEach(() => vi.useRealTimers());

describe('KeyUseRecorder', () => {
  it('writes every key used since the last flush in one call, each once, and flushes on stop', async () => {
    vi.useFakeTimers();
    const writes: string[][] = [];
    const recorder = new KeyUseRecorder({ touch: async (ids) => void writes.push([...ids]) }, 1_000, () => undefined);
    recorder.start();
    for (const id of ['a', 'b', 'a', 'a']) recorder.note(id);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writes).toEqual([['a', 'b']]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writes).toHaveLength(1);
    recorder.note('c');
    await recorder.stop();
    expect(writes).toEqual([['a', 'b'], ['c']]);
  });

  it('reports a failed write instead of throwing', async () => {
    const failures: string[] = [];
    const recorder = new KeyUseRecorder({ touch: async () => Promise.reject(new Error('db down')) }, 1_000, (error) => failures.push(error.message));
    recorder.note('a');
    await recorder.flush();
    expect(failures).toEqual(['db down']);
  });
});
