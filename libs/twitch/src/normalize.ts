import { ContractError, chatEventId, decodeChatEvent, type ChatEvent } from '@parley/contracts';
import { TmiNormalizeError } from './errors.js';
import type { IrcMessage } from './irc-message.js';
import { twitchRoles } from './roles.js';

export interface NormalizePrivmsgOptions {
  receivedAt: Date;
  /** The bot's own login: its messages are marked `isBot` so it never answers itself. */
  botLogin: string;
  /** Other bots in chat (Nightbot, ...), lowercase logins. */
  knownBots?: Set<string>;
}

/** `/me text` arrives as a CTCP ACTION: `\x01ACTION text\x01`. */
const ACTION = /^\u0001ACTION (.*?)\u0001?$/s;
/** Extras are bounded by the contract; longer strings are dropped rather than cut mid-value. */
const MAX_EXTRA_STRING = 512;

/**
 * A Twitch PRIVMSG as a v1 ChatEvent. Throws {@link TmiNormalizeError} when a required tag
 * (`id`, `room-id`, `user-id`) is missing or the result would not pass the contract, so a
 * caller can dead-letter the frame instead of publishing something consumers reject.
 */
export function normalizePrivmsg(msg: IrcMessage, options: NormalizePrivmsgOptions): ChatEvent {
  if (msg.command !== 'PRIVMSG') throw new TmiNormalizeError(`expected PRIVMSG, got ${msg.command}`);
  const tag = (key: string): string | undefined => {
    const value = msg.tags.get(key);
    return value === undefined || value === '' ? undefined : value;
  };
  const required = (key: string): string => {
    const value = tag(key);
    if (value === undefined) throw new TmiNormalizeError(`missing tag "${key}"`);
    return value;
  };
  const id = required('id');
  const roomId = required('room-id');
  const userId = required('user-id');
  const channel = msg.channel;
  if (!channel) throw new TmiNormalizeError('PRIVMSG without a #channel');
  const login = (msg.nick ?? tag('login'))?.toLowerCase();
  if (!login) throw new TmiNormalizeError('PRIVMSG without a sender login');

  let text = msg.text ?? '';
  const action = ACTION.exec(text);
  if (action) text = action[1] ?? '';

  const receivedAt = options.receivedAt.toISOString();
  const sentMs = Number(tag('tmi-sent-ts'));
  const sentAt = Number.isFinite(sentMs) && sentMs > 0 ? new Date(sentMs).toISOString() : receivedAt;

  const botLogin = options.botLogin.toLowerCase();
  const event: ChatEvent = {
    v: 1,
    id: chatEventId('twitch', id),
    platform: 'twitch',
    channel: { id: roomId, name: channel.toLowerCase() },
    author: {
      id: userId,
      name: login,
      displayName: tag('display-name') ?? login,
      roles: twitchRoles(tag('badges'), msg.tags),
      isBot: login === botLogin || (options.knownBots?.has(login) ?? false),
    },
    text,
    kind: 'message',
    sentAt,
    receivedAt,
    extras: extrasOf(tag, action !== null),
  };
  const replyTo = tag('reply-parent-msg-id');
  if (replyTo !== undefined) event.replyTo = replyTo;

  try {
    return decodeChatEvent(event);
  } catch (error) {
    if (error instanceof ContractError) throw new TmiNormalizeError(error.reason);
    throw error;
  }
}

function extrasOf(tag: (key: string) => string | undefined, isAction: boolean): Record<string, string | number | boolean> {
  const extras: Record<string, string | number | boolean> = {
    firstMessage: tag('first-msg') === '1',
  };
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined && value.length <= MAX_EXTRA_STRING) extras[key] = value;
  };
  put('color', tag('color'));
  put('emotes', tag('emotes'));
  put('replyParentLogin', tag('reply-parent-user-login'));
  put('replyThreadParentMsgId', tag('reply-thread-parent-msg-id'));
  const months = /(?:^|,)(?:subscriber|founder)\/(\d+)/.exec(tag('badge-info') ?? '')?.[1];
  if (months !== undefined) extras.subscriberMonths = Number(months);
  const bits = Number(tag('bits'));
  if (Number.isInteger(bits) && bits > 0) extras.bits = bits;
  if (tag('returning-chatter') === '1') extras.returningChatter = true;
  if (isAction) extras.action = true;
  return extras;
}
