import type { ApiKeyRepository } from '@parley/db';

/**
 * "Last used" of API keys, written in batches: a request only notes its key in memory, and
 * one UPDATE every `flushMs` records every key used since (the repository writes each key
 * at most once a minute anyway, so the column is as precise as before without a write per
 * request).
 */
export class KeyUseRecorder {
  private used = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly keys: Pick<ApiKeyRepository, 'touch'>,
    private readonly flushMs: number,
    private readonly onFlushFailed: (error: Error) => void,
  ) {}

  note(keyId: string): void {
    this.used.add(keyId);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Writes what was noted; also the last thing done on shutdown. */
  async flush(): Promise<void> {
    if (this.used.size === 0) return;
    const ids = [...this.used];
    this.used = new Set();
    await this.keys.touch(ids).catch((error: Error) => this.onFlushFailed(error));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
