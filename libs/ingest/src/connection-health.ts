/**
 * Health of a pod's platform connections by the age of the last frame each received (a
 * socket can be open and silent). The pod is as healthy as its most silent connection: one
 * dead connection among fifty healthy ones must show, so the pod's age is the OLDEST.
 */
export class ConnectionHealth {
  private readonly lastFrameAt = new Map<number, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A frame arrived on `connection`. */
  seen(connection: number): void {
    this.lastFrameAt.set(connection, this.now());
  }

  /** A connection closed for good (pool shrank): it no longer counts. */
  forget(connection: number): void {
    this.lastFrameAt.delete(connection);
  }

  /** connection → ms since its last frame. */
  ages(): Map<number, number> {
    const now = this.now();
    return new Map([...this.lastFrameAt].map(([connection, at]) => [connection, now - at]));
  }

  /** The age of the most silent connection, undefined before any frame. */
  oldestAgeMs(): number | undefined {
    const ages = [...this.ages().values()];
    return ages.length ? Math.max(...ages) : undefined;
  }

  /** A readiness check: throws when a connection has been silent longer than `maxSilenceMs`. */
  assertFresh(maxSilenceMs: number): void {
    for (const [connection, age] of this.ages()) {
      if (age > maxSilenceMs) throw new Error(`connection ${connection} silent for ${Math.round(age / 1_000)} s`);
    }
  }
}
