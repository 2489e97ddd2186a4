import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ContractError, hashTagOf } from '@parley/contracts';
import { fullJitterDelay, type BackoffOptions } from '@parley/resilience';
import type { Redis } from 'ioredis';
import { PermanentError, ShutdownTimeoutError } from './errors.js';
import { DeadLetterField, EntryField, decodePayload, decodeTimestamp, extractTraceContext, fieldMap } from './fields.js';
import { LuaScripts } from './lua-scripts.js';

/** One stream entry as a handler sees it. */
export interface BusEntry {
  stream: string;
  id: string;
  /** The parsed JSON `payload` field; validate it with `@parley/contracts`. */
  payload: unknown;
  /** 1 on the first delivery; grows each time the entry is reclaimed. */
  deliveryCount: number;
  /** The producer's `ts` field (ms since the epoch), when present. */
  enqueuedAt?: number;
}

/**
 * Handles one entry. Resolving acknowledges it; throwing `PermanentError` (or
 * `ContractError`) dead-letters it at once; any other error leaves it pending, and it is
 * delivered again after `claimIdleMs`, at most `maxDeliveries` times in all.
 */
export type BusHandler = (entry: BusEntry) => Promise<void>;

export interface RequiredStreamConsumerOptions {
  /** Streams to read, all with the same group. */
  streams: string[];
  /** Consumer group; created at `0` on every stream when missing. */
  group: string;
  /** This consumer's name within the group, stable across restarts of one pod. */
  consumer: string;
  /**
   * Where the entries of a stream go that cannot or must not be handled: a stream with the
   * same hash tag (`StreamKeys.deadLetterFor`), since one script acknowledges and moves them.
   */
  deadLetterStream: (stream: string) => string;
  handler: BusHandler;
}

export interface OptionalStreamConsumerOptions {
  /** Entries per XREADGROUP (and per reclaim round). On Redis Cluster one XREADGROUP reads the streams of one hash tag. */
  batchSize: number;
  /** How long one XREADGROUP blocks waiting for entries. */
  blockMs: number;
  /** An entry pending this long on any consumer, dead ones included, is taken over. */
  claimIdleMs: number;
  /** How often to look for idle entries. */
  reclaimIntervalMs: number;
  /** Deliveries before an entry that keeps failing is dead-lettered. */
  maxDeliveries: number;
  /** How many entries of one batch are handled at once; defaults to `batchSize`. */
  concurrency?: number;
  /**
   * Batches read ahead: the next XREADGROUP goes out while earlier batches are still being
   * handled and acknowledged, so the consumer does not sit idle for those round trips.
   */
  batchesInFlight: number;
  /** How long `stop()` waits for handlers in flight before it gives up on them. */
  shutdownTimeoutMs: number;
  /** The dead-letter stream is trimmed with `MAXLEN ~ n`. */
  deadLetterMaxLenApprox: number;
  /** Backoff between retries after a Redis error in the read or reclaim loop. */
  errorBackoff: BackoffOptions;
  /**
   * Heartbeats for fast recovery: this consumer records itself alive in the sorted set
   * `key(stream)` of every stream (in the stream's slot: `StreamKeys.consumers`) every
   * `ttlMs / 3`, and at each beat claims the pending entries of the group's consumers silent
   * for `ttlMs`. A killed pod's entries are taken over seconds after it died, not after
   * `claimIdleMs`. Every consumer of the group should use the same keys.
   */
  liveness?: ConsumerLiveness;
}

export interface ConsumerLiveness {
  key: (stream: string) => string;
  ttlMs: number;
}

export type StreamConsumerOptions = RequiredStreamConsumerOptions & Partial<OptionalStreamConsumerOptions>;

export const DefaultStreamConsumerOptions: OptionalStreamConsumerOptions = {
  batchSize: 100,
  blockMs: 1_000,
  claimIdleMs: 30_000,
  reclaimIntervalMs: 5_000,
  maxDeliveries: 5,
  batchesInFlight: 2,
  shutdownTimeoutMs: 25_000,
  deadLetterMaxLenApprox: 100_000,
  errorBackoff: { baseMs: 100, maxMs: 5_000 },
};

export interface StreamStats {
  stream: string;
  /** Entries delivered to the group and not yet acknowledged. */
  pending: number;
  /** Entries not yet delivered to the group; null when Redis cannot tell (Redis < 7, or after deletions). */
  lag: number | null;
}

export interface StreamConsumerEvents {
  /** A handler resolved; the entry is acknowledged with its batch. */
  handled: [info: { stream: string; id: string; deliveryCount: number; durationMs: number }];
  /** A handler failed with a retryable error; the entry stays pending. */
  handlerError: [info: { stream: string; id: string; deliveryCount: number; error: unknown }];
  /** An entry was acknowledged and written to the dead-letter stream (one script). */
  deadLettered: [info: { stream: string; id: string; reason: string }];
  /**
   * Entries were taken over (`count`); `trimmed` pending entries no longer existed and were
   * dropped. `from`: `idle` (pending `claimIdleMs` on any consumer) or `deadConsumer` (its
   * heartbeat stopped).
   */
  reclaimed: [info: { stream: string; count: number; trimmed: number; from: 'idle' | 'deadConsumer' }];
  /** A Redis error; the loops retry with backoff. Emitted only when someone listens. */
  error: [error: Error];
}

type ResolvedOptions = RequiredStreamConsumerOptions & Required<Omit<OptionalStreamConsumerOptions, 'liveness'>> & Pick<OptionalStreamConsumerOptions, 'liveness'>;

/** An entry as read or claimed, before decoding. `fields` is null for an entry deleted while pending. */
interface RawEntry {
  stream: string;
  id: string;
  fields: string[] | null;
  deliveryCount: number;
}

type ClaimReply = [claimed: [id: string, deliveryCount: number, fields: string[]][], gone: string[]];

type State = 'idle' | 'running' | 'stopping' | 'stopped';

/**
 * Reads streams as one consumer of a consumer group: batches, acknowledgements, takeover
 * of entries left idle by dead or stuck consumers, delivery counts, a dead-letter
 * stream, and a `process <stream>` span per entry whose parent is the producer's span.
 * At-least-once: a handler may see an entry again after a crash, so it must be
 * idempotent (see `StreamProducer.publishOnce`).
 */
export class StreamConsumer extends EventEmitter<StreamConsumerEvents> {
  private readonly options: ResolvedOptions;
  private readonly redis: Redis;
  private readonly scripts: LuaScripts<'claimIdle' | 'claimFromDeadConsumers' | 'deadLetter'>;
  private readonly tracer = trace.getTracer('@parley/bus');
  /** `stream \n id` of every entry this consumer is handling or about to acknowledge. */
  private readonly inFlight = new Set<string>();
  private state: State = 'idle';
  private readers: Reader[] = [];
  private loops: Promise<void>[] = [];
  private readonly abort = new AbortController();

  constructor(redis: Redis, options: StreamConsumerOptions) {
    super();
    this.options = resolveOptions(options);
    this.redis = redis;
    this.scripts = new LuaScripts(redis, new URL('.', import.meta.url), ['claimIdle-1.lua', 'claimFromDeadConsumers-2.lua', 'deadLetter-2.lua']);
  }

  /**
   * Creates the group on every stream when missing (at `0`, so entries written before
   * the first consumer started are read too), then starts the read loops, each on a
   * duplicated connection (XREADGROUP BLOCK holds its connection), and the reclaim loop.
   * On a single Redis one loop reads every stream; on Redis Cluster, where one XREADGROUP
   * cannot span slots, one loop reads the streams of each hash tag.
   * Rejects when the groups cannot be created.
   */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`StreamConsumer cannot start: it is ${this.state}`);
    this.state = 'running';
    try {
      await this.ensureGroups();
    } catch (error) {
      if (this.state === 'running') this.state = 'idle';
      throw error;
    }
    // stop() was called while the groups were being created.
    if (this.state !== 'running') return;
    this.readers = readGroups(this.redis, this.options.streams).map((streams) => {
      const reader: Reader = { streams, connection: duplicateReader(this.redis, connectionName(this.options.group, this.options.consumer)), clientId: undefined };
      reader.connection.on('error', (error: Error) => this.emitError(error));
      // A new connection has a new client id; the read loop asks for it again.
      reader.connection.on('close', () => (reader.clientId = undefined));
      return reader;
    });
    this.loops = [...this.readers.map((reader) => this.readLoop(reader)), this.reclaimLoop()];
    if (this.options.liveness) this.loops.push(this.livenessLoop(this.options.liveness));
  }

  /**
   * Stops reading, waits (at most `shutdownTimeoutMs`) for handlers in flight and their
   * acknowledgements, and closes the duplicated connection. The connection passed in
   * stays open: it belongs to the caller.
   */
  async stop(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    this.abort.abort();
    // Wake the blocked XREADGROUPs instead of waiting out blockMs; harmless if not blocked.
    // (On Redis Cluster client ids are per node: the readers wait out blockMs.)
    for (const reader of this.readers) {
      if (reader.clientId !== undefined) this.redis.client('UNBLOCK', reader.clientId).catch(() => undefined);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), this.options.shutdownTimeoutMs)));
    const outcome = await Promise.race([Promise.all(this.loops).then(() => false as const), timedOut]);
    clearTimeout(timer);
    if (outcome) this.emitError(new ShutdownTimeoutError(this.options.shutdownTimeoutMs, this.inFlight.size));
    for (const reader of this.readers) reader.connection.disconnect();
    // Everything in hand was acknowledged: nothing of ours is left for others to claim.
    const { liveness } = this.options;
    if (liveness && !outcome) {
      await Promise.all(this.options.streams.map((stream) => this.redis.zrem(liveness.key(stream), this.options.consumer).catch(() => undefined)));
    }
    this.state = 'stopped';
  }

  /** Pending and lag of this group on every stream (XINFO GROUPS), for gauges. */
  async stats(): Promise<StreamStats[]> {
    return Promise.all(
      this.options.streams.map(async (stream): Promise<StreamStats> => {
        let groups: unknown;
        try {
          groups = await this.redis.xinfo('GROUPS', stream);
        } catch (error) {
          if (/no such key/i.test((error as Error).message)) return { stream, pending: 0, lag: null };
          throw error;
        }
        const info = Array.isArray(groups) ? groups.map(toRecord).find((group) => String(group.name) === this.options.group) : undefined;
        if (!info) return { stream, pending: 0, lag: null };
        const lag = info.lag;
        return {
          stream,
          pending: Number(info.pending ?? info['pel-count'] ?? 0),
          lag: lag === null || lag === undefined ? null : Number(lag),
        };
      }),
    );
  }

  private async ensureGroups(): Promise<void> {
    for (const stream of this.options.streams) {
      try {
        await this.redis.xgroup('CREATE', stream, this.options.group, '0', 'MKSTREAM');
      } catch (error) {
        if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
      }
    }
  }

  private async readLoop(reader: Reader): Promise<void> {
    const { group, consumer, batchSize, blockMs, batchesInFlight } = this.options;
    const { streams, connection } = reader;
    const newEntries = streams.map(() => '>');
    const batches = new Set<Promise<void>>();
    let failures = 0;
    while (this.state === 'running') {
      if (batches.size >= batchesInFlight) {
        await Promise.race(batches);
        continue;
      }
      try {
        if (reader.clientId === undefined && !this.redis.isCluster) reader.clientId = await connection.client('ID');
        const reply = await connection.xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', ...streams, ...newEntries);
        failures = 0;
        // Entries read while stop() was called are handled too: they are ours now.
        if (reply) {
          const batch: Promise<void> = this.handleBatch(readReply(reply)).finally(() => batches.delete(batch));
          batches.add(batch);
        }
      } catch (error) {
        if (this.state !== 'running') break;
        await this.recover(error, failures++);
      }
    }
    await Promise.all(batches);
  }

  private async reclaimLoop(): Promise<void> {
    let failures = 0;
    while (this.state === 'running') {
      try {
        for (const stream of this.options.streams) await this.reclaimStream(stream);
        failures = 0;
        await this.pause(this.options.reclaimIntervalMs);
      } catch (error) {
        if (this.state !== 'running') break;
        await this.recover(error, failures++);
      }
    }
  }

  private async reclaimStream(stream: string): Promise<void> {
    const { group, consumer, claimIdleMs, batchSize } = this.options;
    await this.claimUntilDone(stream, 'idle', () => this.scripts.run<ClaimReply>('claimIdle', [stream], [group, consumer, claimIdleMs, batchSize]));
  }

  /** Heartbeats every `ttlMs / 3`; each beat takes over what dead consumers left pending. */
  private async livenessLoop({ key, ttlMs }: ConsumerLiveness): Promise<void> {
    const { group, consumer, batchSize } = this.options;
    let failures = 0;
    while (this.state === 'running') {
      try {
        for (const stream of this.options.streams) {
          await this.claimUntilDone(stream, 'deadConsumer', () =>
            this.scripts.run<ClaimReply>('claimFromDeadConsumers', [stream, key(stream)], [group, consumer, ttlMs, batchSize]),
          );
        }
        failures = 0;
        await this.pause(Math.max(1, Math.floor(ttlMs / 3)));
      } catch (error) {
        if (this.state !== 'running') break;
        await this.recover(error, failures++);
      }
    }
  }

  private async claimUntilDone(stream: string, from: 'idle' | 'deadConsumer', claim: () => Promise<ClaimReply>): Promise<void> {
    while (this.state === 'running') {
      const [claimed, gone] = await claim();
      if (claimed.length + gone.length === 0) return;
      this.emit('reclaimed', { stream, count: claimed.length, trimmed: gone.length, from });
      await this.handleBatch(claimed.map(([id, deliveryCount, fields]) => ({ stream, id, deliveryCount: Number(deliveryCount), fields })));
      if (claimed.length + gone.length < this.options.batchSize) return;
    }
  }

  private async recover(error: unknown, failures: number): Promise<void> {
    this.emitError(error);
    // The stream or the group was deleted under us: create them again.
    if (String((error as Error)?.message).includes('NOGROUP')) await this.ensureGroups().catch((e: unknown) => this.emitError(e));
    await this.pause(fullJitterDelay(failures, this.options.errorBackoff));
  }

  /** Handles a batch `concurrency` entries at a time, then acknowledges it with one XACK per stream. */
  private async handleBatch(entries: RawEntry[]): Promise<void> {
    // An entry this consumer is still handling (claimed back after claimIdleMs) is not started twice.
    const mine = entries.filter((entry) => !this.inFlight.has(inFlightKey(entry)));
    for (const entry of mine) this.inFlight.add(inFlightKey(entry));
    try {
      const acks = new Map<string, string[]>();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < mine.length) {
          const entry = mine[next++]!;
          let ack = false;
          try {
            ack = await this.handleEntry(entry);
          } catch (error) {
            this.emitError(error);
          }
          if (ack) {
            const ids = acks.get(entry.stream);
            if (ids) ids.push(entry.id);
            else acks.set(entry.stream, [entry.id]);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.options.concurrency, mine.length) }, worker));
      for (const [stream, ids] of acks) {
        // A failed XACK leaves the entries pending: they are reclaimed and handled again (at-least-once).
        await this.redis.xack(stream, this.options.group, ...ids).catch((error: unknown) => this.emitError(error));
      }
    } finally {
      for (const entry of mine) this.inFlight.delete(inFlightKey(entry));
    }
  }

  /** Resolves to true when the entry was handled and must be acknowledged (a dead-lettered one is acknowledged already). */
  private async handleEntry(raw: RawEntry): Promise<boolean> {
    // Deleted from the stream while pending: nothing left to handle.
    if (raw.fields === null) return true;
    const fields = fieldMap(raw.fields);
    const { maxDeliveries } = this.options;
    if (raw.deliveryCount > maxDeliveries) {
      // This delivery only moves the entry; the handler saw it deliveryCount - 1 times.
      return this.deadLetter(raw, fields, `exceeded ${maxDeliveries} deliveries`, raw.deliveryCount - 1);
    }
    const decoded = decodePayload(fields);
    if (!decoded.ok) return this.deadLetter(raw, fields, decoded.reason, raw.deliveryCount);

    const entry: BusEntry = { stream: raw.stream, id: raw.id, payload: decoded.payload, deliveryCount: raw.deliveryCount };
    const enqueuedAt = decodeTimestamp(fields);
    if (enqueuedAt !== undefined) entry.enqueuedAt = enqueuedAt;

    const started = performance.now();
    const failure = await this.tracer.startActiveSpan(
      `process ${raw.stream}`,
      { kind: SpanKind.CONSUMER },
      extractTraceContext(fields),
      async (span) => {
        // Most spans are not sampled: their attributes would be built and sanitized for nothing.
        if (span.isRecording()) {
          span.setAttributes({
            'messaging.system': 'redis',
            'messaging.operation.type': 'process',
            'messaging.destination.name': raw.stream,
            'messaging.consumer.group.name': this.options.group,
            'messaging.message.id': raw.id,
            'parley.bus.delivery_count': raw.deliveryCount,
          });
        }
        try {
          await this.options.handler(entry);
          return undefined;
        } catch (error) {
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
          return { error };
        } finally {
          span.end();
        }
      },
    );

    if (!failure) {
      if (this.listenerCount('handled') > 0) {
        this.emit('handled', { stream: raw.stream, id: raw.id, deliveryCount: raw.deliveryCount, durationMs: performance.now() - started });
      }
      return true;
    }
    const { error } = failure;
    if (error instanceof PermanentError || error instanceof ContractError) return this.deadLetter(raw, fields, error.reason, raw.deliveryCount);
    this.emit('handlerError', { stream: raw.stream, id: raw.id, deliveryCount: raw.deliveryCount, error });
    return false;
  }

  /** Acknowledges the entry and writes its dead-letter record, in one script; always false: nothing left to acknowledge. */
  private async deadLetter(raw: RawEntry, fields: Map<string, string>, reason: string, deliveryCount: number): Promise<false> {
    const record: string[] = [
      DeadLetterField.stream,
      raw.stream,
      DeadLetterField.id,
      raw.id,
      DeadLetterField.group,
      this.options.group,
      DeadLetterField.reason,
      reason,
      DeadLetterField.deliveryCount,
      String(deliveryCount),
    ];
    // The original fields verbatim, even when they are not JSON, so the entry can be inspected or replayed.
    for (const field of [EntryField.payload, EntryField.traceparent, EntryField.tracestate] as const) {
      const value = fields.get(field);
      if (value !== undefined) record.push(field, value);
    }
    record.push(DeadLetterField.ts, String(Date.now()));
    try {
      const moved = await this.scripts.run<number>('deadLetter', [raw.stream, this.options.deadLetterStream(raw.stream)], [
        this.options.group,
        raw.id,
        this.options.deadLetterMaxLenApprox,
        ...record,
      ]);
      if (moved === 1) this.emit('deadLettered', { stream: raw.stream, id: raw.id, reason });
    } catch (error) {
      // Not acknowledged: the entry is reclaimed later and dead-lettered then.
      this.emitError(error);
    }
    return false;
  }

  private async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.abort.signal });
    } catch {
      // Aborted by stop().
    }
  }

  private emitError(error: unknown): void {
    // An 'error' event without a listener would throw; the loops must never throw.
    if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }
}

function resolveOptions(options: StreamConsumerOptions): ResolvedOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const merged = { ...DefaultStreamConsumerOptions, ...defined } as RequiredStreamConsumerOptions & OptionalStreamConsumerOptions;
  const resolved: ResolvedOptions = { ...merged, concurrency: merged.concurrency ?? merged.batchSize };
  for (const name of ['batchSize', 'blockMs', 'claimIdleMs', 'reclaimIntervalMs', 'maxDeliveries', 'concurrency', 'batchesInFlight', 'shutdownTimeoutMs', 'deadLetterMaxLenApprox'] as const) {
    if (!Number.isInteger(resolved[name]) || resolved[name] < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  if (resolved.streams.length === 0) throw new RangeError('streams must not be empty');
  if (new Set(resolved.streams).size !== resolved.streams.length) throw new RangeError('streams must not repeat');
  if (resolved.streams.some((stream) => resolved.streams.includes(resolved.deadLetterStream(stream)))) {
    throw new RangeError('deadLetterStream must not be one of the streams read');
  }
  if (!resolved.group || !resolved.consumer) throw new RangeError('group and consumer must not be empty');
  if (resolved.liveness && !(Number.isInteger(resolved.liveness.ttlMs) && resolved.liveness.ttlMs >= 3 && typeof resolved.liveness.key === 'function')) {
    throw new RangeError('liveness needs a key and an integer ttlMs >= 3');
  }
  return resolved;
}

/** A read loop's streams and the connection its blocking XREADGROUP holds. */
interface Reader {
  streams: string[];
  connection: Redis;
  clientId: number | undefined;
}

/**
 * The streams one XREADGROUP may read together: all of them on a single Redis (one round
 * trip for every partition, as fast as before); on Redis Cluster those that share a hash
 * tag, hence a slot (streams without a tag are read alone).
 */
export function readGroups(redis: Pick<Redis, 'isCluster'>, streams: readonly string[]): string[][] {
  if (!redis.isCluster) return [[...streams]];
  const groups = new Map<string, string[]>();
  for (const stream of streams) {
    const tag = hashTagOf(stream) ?? `\n${stream}`;
    const group = groups.get(tag);
    if (group) group.push(stream);
    else groups.set(tag, [stream]);
  }
  return [...groups.values()];
}

/**
 * A new connection with the same settings. ioredis's Cluster client takes other arguments
 * (startup nodes first): its duplicate keeps the name of the original's node connections.
 */
function duplicateReader(redis: Redis, name: string): Redis {
  return redis.isCluster ? redis.duplicate() : redis.duplicate({ connectionName: name });
}

/** Client name shown by CLIENT LIST; Redis allows no spaces or newlines in it. */
function connectionName(group: string, consumer: string): string {
  return `parley-bus:${group}:${consumer}`.replace(/[^\x21-\x7e]/g, '_');
}

function inFlightKey(entry: { stream: string; id: string }): string {
  return `${entry.stream}\n${entry.id}`;
}

/** XREADGROUP reply (RESP2 shape: [[stream, [[id, fields], ...]], ...]) as raw entries. */
function readReply(reply: unknown): RawEntry[] {
  const entries: RawEntry[] = [];
  const perStream: [unknown, unknown][] = Array.isArray(reply)
    ? (reply as [unknown, unknown][])
    : Object.entries(reply instanceof Map ? Object.fromEntries(reply) : (reply as object));
  for (const [stream, items] of perStream) {
    for (const [id, fields] of items as [string, string[] | null][]) {
      entries.push({ stream: String(stream), id, fields: fields ?? null, deliveryCount: 1 });
    }
  }
  return entries;
}

/** One XINFO GROUPS item, whether it came as a flat field/value list (RESP2) or a map (RESP3). */
function toRecord(item: unknown): Record<string, unknown> {
  if (Array.isArray(item)) {
    const record: Record<string, unknown> = {};
    for (let i = 0; i + 1 < item.length; i += 2) record[String(item[i])] = item[i + 1];
    return record;
  }
  if (item instanceof Map) return Object.fromEntries(item);
  return (item ?? {}) as Record<string, unknown>;
}
