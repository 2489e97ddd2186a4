import { EventEmitter } from 'node:events';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { StreamProducer } from '@parley/bus';
import type { ChatEvent, StreamKeys } from '@parley/contracts';
import type { PlatformAdapter } from './adapter.js';
import type { ConnectionHealth } from './connection-health.js';
import type { IngestKeys } from './ingest-keys.js';

export interface ChatIngestOptions {
  /** How long an event id is remembered, to drop copies seen again after a reconnect or a hand-over. */
  dedupeTtlSeconds: number;
}

export const DefaultChatIngestOptions: ChatIngestOptions = { dedupeTtlSeconds: 600 };

interface ChatIngestEvents {
  ingested: [{ kind: ChatEvent['kind'] }];
  /** A chat frame Parley does not act on (a USERNOTICE such as an announcement). */
  ignored: [];
  duplicate: [];
  /** A chat frame that could not become a ChatEvent; it was written to the dead-letter stream. */
  rejected: [{ reason: string }];
  publishFailed: [Error];
}

/**
 * A platform's chat onto the event bus: every frame the adapter reads refreshes its
 * connection's health; every chat frame becomes a v1 ChatEvent on its channel's partition,
 * published at most once per event id (the `seen:` mark is set in the same Lua step as
 * the XADD), so overlapping connections and pods never duplicate an event.
 */
export class ChatIngest<Frame> extends EventEmitter<ChatIngestEvents> {
  private readonly options: ChatIngestOptions;
  private readonly tracer = trace.getTracer('@parley/ingest');
  /** Events read and not yet on the bus: a shutdown waits for them (`flush`). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly adapter: PlatformAdapter<Frame>,
    private readonly producer: StreamProducer,
    private readonly streams: StreamKeys,
    private readonly keys: IngestKeys,
    private readonly health: ConnectionHealth,
    options: Partial<ChatIngestOptions> = {},
  ) {
    super();
    this.options = { ...DefaultChatIngestOptions, ...options };
    adapter.read((frame, connection) => {
      health.seen(connection);
      this.onFrame(frame);
    });
  }

  private onFrame(frame: Frame): void {
    let event: ChatEvent | null | undefined;
    try {
      event = this.adapter.normalize(frame, new Date());
    } catch (error) {
      return this.track(this.reject(frame, (error as Error).message));
    }
    if (event === undefined) return;
    if (event === null) return void this.emit('ignored');
    const published = event;
    // Each chat event starts its trace here; the bus carries it to the router and back.
    const handled = this.tracer.startActiveSpan(`${this.adapter.platform} ${published.kind}`, { kind: SpanKind.PRODUCER }, (span) =>
      this.publish(published)
        .then(() => undefined)
        .catch((error: Error) => void span.setStatus({ code: SpanStatusCode.ERROR, message: error.message }))
        .finally(() => span.end()),
    );
    this.track(handled);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Resolves once every frame read so far is on the bus or dead-lettered (or failed to get there). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /**
   * Publishes one event at most once; false when it was on the bus already. Platforms that
   * are pushed events (Slack's Events API) call it directly and answer the push once it resolves.
   */
  async publish(event: ChatEvent): Promise<boolean> {
    try {
      const fresh = await this.producer.publishOnce(this.keys.seen(event), this.options.dedupeTtlSeconds, [
        { stream: this.streams.eventStreamFor(event.platform, event.channel.id), payload: event },
      ]);
      if (fresh) this.emit('ingested', { kind: event.kind });
      else this.emit('duplicate');
      return fresh;
    } catch (error) {
      this.emit('publishFailed', error as Error);
      throw error;
    }
  }

  private async reject(frame: Frame, reason: string): Promise<void> {
    this.emit('rejected', { reason });
    await this.producer
      .publish(this.streams.deadLetter(), { source: `ingest-${this.adapter.platform}`, reason, raw: this.adapter.describe(frame).slice(0, 4_096) })
      .catch((error: Error) => this.emit('publishFailed', error));
  }
}
