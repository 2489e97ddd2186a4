import { setTimeout as sleep } from 'node:timers/promises';
import type { ChatEvent } from '@parley/contracts';
import { UnsupportedActionError, type OutboundMessage, type PendingSend, type PlatformAdapter, type SendOutcome } from '@parley/ingest';
import type { TmiConnectionPool } from './connection-pool.js';
import { HelixModeration } from './helix-moderation.js';
import type { IrcMessage } from './irc-message.js';
import { normalizeClearChat, normalizeClearMsg, normalizePrivmsg, normalizeUserNotice, type NormalizePrivmsgOptions } from './normalize.js';
import type { TmiSendResult } from './tmi-connection.js';

export interface TwitchIrcAdapterOptions {
  botLogin: string;
  /** Other bots in chat (Nightbot, ...): their messages are marked isBot so nobody answers them. */
  knownBots: Set<string>;
  /** Delete and timeout through Helix; without it they are refused (IRC cannot carry them). */
  moderation: HelixModeration | undefined;
}

export const DefaultTwitchIrcAdapterOptions: Omit<TwitchIrcAdapterOptions, 'botLogin'> = {
  knownBots: new Set(['nightbot', 'streamelements', 'moobot', 'fossabot', 'streamlabs']),
  moderation: undefined,
};

/** The invisible character Twitch bots append to make a repeat differ (U+E0000, a language tag). */
export const TWITCH_REPEAT_SUFFIX = '\u{E0000}';
/** Twitch refuses the same text from the same user in a channel within this window (msg_duplicate). */
export const TWITCH_DUPLICATE_WINDOW_MS = 30_000;

type Normalizer = (message: IrcMessage, options: NormalizePrivmsgOptions) => ChatEvent | null;

const NORMALIZERS: Record<string, Normalizer> = {
  PRIVMSG: normalizePrivmsg,
  USERNOTICE: normalizeUserNotice,
  CLEARCHAT: normalizeClearChat,
  CLEARMSG: normalizeClearMsg,
};

/** Refusals that pass: Twitch's send rate limit and slow mode. Every other msg_* refusal is final. */
const REFUSED_FOR_NOW = new Set(['msg_ratelimit', 'msg_slowmode']);

type TwitchPendingSend = PendingSend & ({ answer: Promise<TmiSendResult> } | { moderated: Promise<SendOutcome> });

/**
 * Twitch chat over IRC (TMI) as the kit's platform adapter: a pool of TMI connections
 * read, PRIVMSG/USERNOTICE/CLEARCHAT/CLEARMSG normalized to ChatEvents, `say`/`reply`
 * written as PRIVMSG and confirmed by what Twitch answers in that channel: USERSTATE
 * (accepted) or a `msg_*` NOTICE (refused).
 */
export class TwitchIrcAdapter implements PlatformAdapter<IrcMessage> {
  readonly platform = 'twitch' as const;
  private readonly options: TwitchIrcAdapterOptions;

  constructor(
    private readonly pool: TmiConnectionPool,
    options: Pick<TwitchIrcAdapterOptions, 'botLogin'> & Partial<TwitchIrcAdapterOptions>,
  ) {
    this.options = { ...DefaultTwitchIrcAdapterOptions, ...options };
  }

  connect(): Promise<void> {
    return this.pool.connect();
  }

  join(channel: string): Promise<void> {
    return this.pool.join(channel);
  }

  part(channel: string): Promise<void> {
    return this.pool.part(channel);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  read(listener: (frame: IrcMessage, connection: number) => void): void {
    this.pool.on('frame', listener);
  }

  normalize(frame: IrcMessage, receivedAt: Date): ChatEvent | null | undefined {
    const normalize = NORMALIZERS[frame.command];
    return normalize?.(frame, { receivedAt, botLogin: this.options.botLogin, knownBots: this.options.knownBots });
  }

  describe(frame: IrcMessage): string {
    return frame.toString();
  }

  connectionFor(channel: string): number | undefined {
    return this.pool.connectionFor(channel);
  }

  async send(message: OutboundMessage, connection: number): Promise<TwitchPendingSend> {
    // Twitch retired /delete and /timeout over IRC: they go through Helix.
    if (HelixModeration.handles(message.kind)) {
      if (!this.options.moderation) throw new UnsupportedActionError(message.kind, 'Twitch IRC without Helix');
      return { connection, moderated: this.options.moderation.moderate(message) };
    }
    const replyTo = message.kind === 'reply' ? message.targetMessageId : undefined;
    return { connection, answer: this.pool.sayOn(connection, message.channel, message.text, replyTo ? { replyTo } : {}) };
  }

  async confirm(pending: PendingSend, timeoutMs: number): Promise<SendOutcome> {
    const twitchPending = pending as TwitchPendingSend;
    if ('moderated' in twitchPending) return twitchPending.moderated;
    const timeout = new AbortController();
    const result = await Promise.race([
      twitchPending.answer,
      sleep(timeoutMs, { status: 'lost', reason: `no USERSTATE or NOTICE within ${timeoutMs} ms` } as const, { signal: timeout.signal }),
    ]).finally(() => timeout.abort());
    switch (result.status) {
      case 'accepted':
        return result.messageId ? { status: 'accepted', platformMessageId: result.messageId } : { status: 'accepted' };
      case 'lost':
        return { status: 'unknown', reason: result.reason };
      case 'refused':
        if (result.msgId === 'msg_duplicate') return { status: 'refused', reason: result.msgId, retry: 'variant' };
        if (REFUSED_FOR_NOW.has(result.msgId)) return { status: 'refused', reason: result.msgId, retry: 'later', retryAfterMs: secondsIn(result.text) ?? 1_000 };
        return { status: 'refused', reason: result.msgId, retry: 'never' };
    }
  }
}

/** "... talk again in 5 seconds." → 5000. */
function secondsIn(text: string): number | undefined {
  const seconds = /(\d+) seconds?/.exec(text)?.[1];
  return seconds === undefined ? undefined : Number(seconds) * 1_000;
}
