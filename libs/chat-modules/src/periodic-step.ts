/**
 * Runs `work` now and then every `intervalMs` until stopped. Runs never overlap: when one
 * is slow (Redis slow) the next is skipped rather than queued, so they cannot pile up.
 * `work` must not throw (report its errors itself).
 */
export class PeriodicStep {
  private interval?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    await this.run();
    this.interval = setInterval(() => void this.run(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.interval);
    await this.running;
  }

  /** One run now, unless one is in progress (then resolves when that one ends). */
  async run(): Promise<void> {
    if (!this.running) this.running = this.work().finally(() => (this.running = undefined));
    await this.running;
  }
}
