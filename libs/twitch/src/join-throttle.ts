export interface JoinRateLimit {
  count: number;
  perMs: number;
}

/**
 * Client-side sliding window for JOINs: Twitch silences an account that joins faster than
 * its limit (20 per 10 s), so channels wait here instead of being refused there. The
 * window outlives reconnects: the limit is per account, not per socket.
 */
export class JoinThrottle {
  private readonly sentAt: number[] = [];
  private readonly queue: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limit: JoinRateLimit,
    /** Returns false when the JOIN could not be written: it does not count against the window. */
    private readonly send: (channel: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {
    if (!(limit.count >= 1 && limit.perMs > 0)) throw new RangeError('joinRateLimit needs count >= 1 and perMs > 0');
  }

  enqueue(channel: string): void {
    if (!this.queue.includes(channel)) this.queue.push(channel);
    this.drain();
  }

  remove(channel: string): void {
    const index = this.queue.indexOf(channel);
    if (index !== -1) this.queue.splice(index, 1);
  }

  /** Drops everything queued (the connection is gone; it re-enqueues on reconnect). */
  clear(): void {
    this.queue.length = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  get queued(): readonly string[] {
    return this.queue;
  }

  private drain(): void {
    const now = this.now();
    while (this.sentAt.length > 0 && this.sentAt[0]! <= now - this.limit.perMs) this.sentAt.shift();
    while (this.queue.length > 0 && this.sentAt.length < this.limit.count) {
      const channel = this.queue.shift()!;
      if (this.send(channel)) this.sentAt.push(now);
    }
    if (this.queue.length > 0 && this.timer === undefined) {
      const waitMs = Math.max(0, this.sentAt[0]! + this.limit.perMs - now);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, waitMs);
    }
  }
}
