import type { Redis } from 'ioredis';
import { EntryField, envelopeFields } from './fields.js';
import { LuaScripts } from './lua-scripts.js';

export interface StreamProducerOptions {
  /** Streams are trimmed with `XADD ... MAXLEN ~ n`: approximate, cheap trimming. */
  maxLenApprox: number;
}

export const DefaultStreamProducerOptions: StreamProducerOptions = { maxLenApprox: 100_000 };

export interface OutgoingMessage {
  stream: string;
  payload: object;
}


/**
 * Appends messages to Redis streams. Each entry carries `payload` (JSON), the W3C trace
 * context of the caller's active span (`traceparent`, `tracestate`) and `ts` (producer
 * clock, ms since the epoch).
 */
export class StreamProducer {
  private readonly options: StreamProducerOptions;
  private readonly redis: Redis;
  private readonly scripts: LuaScripts<'publishOnce'>;

  constructor(redis: Redis, options: Partial<StreamProducerOptions> = {}) {
    this.options = { ...DefaultStreamProducerOptions, ...options };
    if (!Number.isInteger(this.options.maxLenApprox) || this.options.maxLenApprox < 1) {
      throw new RangeError('maxLenApprox must be a positive integer');
    }
    this.redis = redis;
    this.scripts = new LuaScripts(redis, new URL('.', import.meta.url), ['publishOnce-N.lua']);
  }

  /** Appends one message; resolves to the new entry id. */
  async publish(stream: string, payload: object): Promise<string> {
    const id = await this.redis.xadd(
      stream,
      'MAXLEN',
      '~',
      this.options.maxLenApprox,
      '*',
      EntryField.payload,
      JSON.stringify(payload),
      ...envelopeFields(),
    );
    // Only XADD ... NOMKSTREAM answers nil, and it is not used here.
    return id!;
  }

  /**
   * Publishes `messages` only if `markKey` does not exist, and sets it for
   * `markTtlSeconds`; atomically, so of any number of concurrent or repeated calls with
   * the same mark exactly one writes. Resolves to true when this call wrote.
   * The mark should outlive every possible redelivery of the cause (claimIdleMs times
   * maxDeliveries, plus margin).
   */
  async publishOnce(markKey: string, markTtlSeconds: number, messages: OutgoingMessage[]): Promise<boolean> {
    if (!Number.isInteger(markTtlSeconds) || markTtlSeconds < 1) throw new RangeError('markTtlSeconds must be a positive integer');
    const shared = envelopeFields();
    const payloads = messages.map((message) => JSON.stringify(message.payload));
    const result = await this.scripts.run<0 | string[]>(
      'publishOnce',
      [markKey, ...messages.map((message) => message.stream)],
      [markTtlSeconds, this.options.maxLenApprox, shared.length / 2, ...shared, ...payloads],
    );
    return result !== 0;
  }
}
