import { EventEmitter } from 'node:events';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { StreamProducer } from '@parley/bus';
import type { ChatEvent, StreamKeys } from '@parley/contracts';
import type { IrcMessage } from './irc-message.js';
import { normalizeClearChat, normalizeClearMsg, normalizePrivmsg, normalizeUserNotice, type NormalizePrivmsgOptions } from './normalize.js';
import type { TwitchChatClient } from './connection-pool.js';

export interface TwitchChatIngestOptions {
  botLogin: string;
  /** Other bots in chat (Nightbot, ...): their messages are marked isBot so nobody answers them. */
  knownBots: Set<string>;
  /** How long a message id is remembered to drop copies seen again after a reconnect or a hand-over. */
  dedupeTtlSeconds: number;
}

export const DefaultTwitchChatIngestOptions: Omit<TwitchChatIngestOptions, 'botLogin'> = {
  knownBots: new Set(['nightbot', 'streamelements', 'moobot', 'fossabot', 'streamlabs']),
  dedupeTtlSeconds: 600,
};

type Normalizer = (message: IrcMessage, options: NormalizePrivmsgOptions) => ChatEvent | null;

const NORMALIZERS = {
  privmsg: normalizePrivmsg,
  usernotice: normalizeUserNotice,
  clearchat: normalizeClearChat,
  clearmsg: normalizeClearMsg,
} as const satisfies Record<string, Normalizer>;

interface TwitchChatIngestEvents {
  ingested: [{ kind: string }];
  /** A frame Parley does not act on (a USERNOTICE such as an announcement). */
  ignored: [];
  duplicate: [];
  /** A frame that could not become a ChatEvent; it was written to the dead-letter stream. */
  rejected: [{ reason: string }];
  publishFailed: [Error];
}

/**
 * Chat from one TMI connection onto the event bus: every PRIVMSG (messages, cheers),
 * USERNOTICE (subscriptions, raids), CLEARCHAT and CLEARMSG (moderation) becomes a v1
 * ChatEvent on its channel's partition, written at most once per event id (a Redis mark
 * set in the same step as the XADD), so overlapping connections never duplicate an event.
 */
export class TwitchChatIngest extends EventEmitter<TwitchChatIngestEvents> {
  private readonly options: TwitchChatIngestOptions;
  private readonly tracer = trace.getTracer('@parley/twitch');
  /** Frames received and not yet on the bus: a shutdown waits for them (`flush`). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly connection: TwitchChatClient,
    private readonly producer: StreamProducer,
    private readonly keys: StreamKeys,
    options: Pick<TwitchChatIngestOptions, 'botLogin'> & Partial<TwitchChatIngestOptions>,
  ) {
    super();
    this.options = { ...DefaultTwitchChatIngestOptions, ...options };
    // Each chat event starts its trace here; the bus carries it to the router and back.
    for (const [frame, normalize] of Object.entries(NORMALIZERS)) {
      this.connection.on(frame as keyof typeof NORMALIZERS, (message) => {
        const handled = this.tracer.startActiveSpan(`twitch ${frame}`, { kind: SpanKind.PRODUCER }, (span) =>
          this.onFrame(message, normalize)
            .catch((error: Error) => void span.setStatus({ code: SpanStatusCode.ERROR, message: error.message }))
            .finally(() => span.end()),
        );
        this.inFlight.add(handled);
        void handled.finally(() => this.inFlight.delete(handled));
      });
    }
  }

  /** Resolves once every frame received so far is on the bus (or dead-lettered). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private async onFrame(message: IrcMessage, normalize: Normalizer): Promise<void> {
    let event;
    try {
      event = normalize(message, { receivedAt: new Date(), botLogin: this.options.botLogin, knownBots: this.options.knownBots });
      if (event === null) return void this.emit('ignored');
    } catch (error) {
      const reason = (error as Error).message;
      this.emit('rejected', { reason });
      await this.producer
        .publish(this.keys.deadLetter(), { source: 'ingest-twitch', reason, raw: message.toString().slice(0, 4_096) })
        .catch((publishError: Error) => this.emit('publishFailed', publishError));
      return;
    }
    try {
      const fresh = await this.producer.publishOnce(this.keys.key('seen', event.id), this.options.dedupeTtlSeconds, [
        { stream: this.keys.eventStreamFor('twitch', event.channel.id), payload: event },
      ]);
      if (fresh) this.emit('ingested', { kind: event.kind });
      else this.emit('duplicate');
    } catch (error) {
      this.emit('publishFailed', error as Error);
    }
  }
}
