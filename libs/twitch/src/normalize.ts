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
  const { tag, required } = tagsOf(msg);
  const id = required('id');
  const roomId = required('room-id');
  const userId = required('user-id');
  const login = (msg.nick ?? tag('login'))?.toLowerCase();
  if (!login) throw new TmiNormalizeError('PRIVMSG without a sender login');

  let text = msg.text ?? '';
  const action = ACTION.exec(text);
  if (action) text = action[1] ?? '';

  const event: ChatEvent = {
    v: 1,
    id: chatEventId('twitch', id),
    platform: 'twitch',
    channel: channelOf(msg, roomId),
    author: {
      id: userId,
      name: login,
      displayName: tag('display-name') ?? login,
      roles: twitchRoles(tag('badges'), msg.tags),
      isBot: isBot(login, options),
    },
    text,
    // A message carrying bits is a cheer: the router never runs commands from it.
    kind: Number(tag('bits')) > 0 ? 'cheer' : 'message',
    ...times(tag, options.receivedAt),
    extras: extrasOf(tag, action !== null),
  };
  const replyTo = tag('reply-parent-msg-id');
  if (replyTo !== undefined) event.replyTo = replyTo;
  return validated(event);
}

/** USERNOTICE msg-ids that become events; the rest (announcements, bits badges, ...) are not chat events Parley acts on. */
const USERNOTICE_KINDS: Record<string, 'subscription' | 'raid'> = {
  sub: 'subscription',
  resub: 'subscription',
  subgift: 'subscription',
  submysterygift: 'subscription',
  giftpaidupgrade: 'subscription',
  anongiftpaidupgrade: 'subscription',
  primepaidupgrade: 'subscription',
  raid: 'raid',
};

/** `msg-param-*` tags kept as extras, under shorter names. */
const USERNOTICE_PARAMS: Record<string, string> = {
  'msg-param-sub-plan': 'plan',
  'msg-param-cumulative-months': 'months',
  'msg-param-streak-months': 'streakMonths',
  'msg-param-recipient-id': 'recipientId',
  'msg-param-recipient-user-name': 'recipientLogin',
  'msg-param-mass-gift-count': 'giftCount',
  'msg-param-viewerCount': 'viewers',
  'msg-param-login': 'raiderLogin',
};

/**
 * A USERNOTICE (subscriptions, gifts, raids) as a v1 ChatEvent of kind `subscription` or
 * `raid`, or null for notices Parley does not act on. The author is the subscriber or the
 * raiding broadcaster; the text is the viewer's own message, or Twitch's system message.
 */
export function normalizeUserNotice(msg: IrcMessage, options: NormalizePrivmsgOptions): ChatEvent | null {
  const { tag, required } = tagsOf(msg);
  const kind = USERNOTICE_KINDS[tag('msg-id') ?? ''];
  if (!kind) return null;
  const login = required('login').toLowerCase();
  const extras: Record<string, string | number | boolean> = { notice: tag('msg-id')! };
  for (const [name, key] of Object.entries(USERNOTICE_PARAMS)) {
    const value = tag(name);
    if (value === undefined || value.length > MAX_EXTRA_STRING) continue;
    extras[key] = /^\d+$/.test(value) ? Number(value) : value;
  }
  return validated({
    v: 1,
    id: chatEventId('twitch', required('id')),
    platform: 'twitch',
    channel: channelOf(msg, required('room-id')),
    author: {
      id: required('user-id'),
      name: login,
      displayName: tag('display-name') ?? login,
      roles: twitchRoles(tag('badges'), msg.tags),
      isBot: isBot(login, options),
    },
    text: msg.text ?? tag('system-msg') ?? '',
    kind,
    ...times(tag, options.receivedAt),
    extras,
  });
}

/**
 * CLEARCHAT as a `moderation` event: a user banned (no `ban-duration`), timed out, or the
 * whole chat cleared (no target). CLEARCHAT has no message id, so the event id is derived
 * from the room, the target and Twitch's timestamp: stable across pods and reconnects.
 */
export function normalizeClearChat(msg: IrcMessage, options: NormalizePrivmsgOptions): ChatEvent {
  const { tag, required } = tagsOf(msg);
  const roomId = required('room-id');
  const sentTs = required('tmi-sent-ts');
  const channel = channelOf(msg, roomId);
  const targetLogin = msg.text?.toLowerCase();
  const targetId = tag('target-user-id');
  const duration = Number(tag('ban-duration'));
  const action = targetId === undefined ? 'clear' : Number.isFinite(duration) && duration > 0 ? 'timeout' : 'ban';
  const extras: Record<string, string | number | boolean> = { action };
  if (action === 'timeout') extras.durationSeconds = duration;
  return validated({
    v: 1,
    id: chatEventId('twitch', `clearchat:${roomId}:${targetId ?? 'all'}:${sentTs}`),
    platform: 'twitch',
    channel,
    // The affected viewer; for a full clear, the channel itself.
    author:
      targetId !== undefined && targetLogin
        ? { id: targetId, name: targetLogin, displayName: targetLogin, roles: ['everyone'], isBot: isBot(targetLogin, options) }
        : { id: roomId, name: channel.name, displayName: channel.name, roles: ['broadcaster', 'everyone'], isBot: false },
    text: '',
    kind: 'moderation',
    ...times(tag, options.receivedAt),
    extras,
  });
}

/** CLEARMSG (one message deleted) as a `moderation` event naming the deleted message. */
export function normalizeClearMsg(msg: IrcMessage, options: NormalizePrivmsgOptions): ChatEvent {
  const { tag, required } = tagsOf(msg);
  const targetMsgId = required('target-msg-id');
  const login = required('login').toLowerCase();
  const channel = msg.channel?.toLowerCase();
  if (!channel) throw new TmiNormalizeError('CLEARMSG without a #channel');
  return validated({
    v: 1,
    id: chatEventId('twitch', `clearmsg:${targetMsgId}`),
    platform: 'twitch',
    // CLEARMSG's room-id is often empty; the channel's login stands in for its id then.
    channel: { id: tag('room-id') ?? `login:${channel}`, name: channel },
    // CLEARMSG names the author by login only.
    author: { id: `login:${login}`, name: login, displayName: login, roles: ['everyone'], isBot: isBot(login, options) },
    text: msg.text ?? '',
    kind: 'moderation',
    ...times(tag, options.receivedAt),
    replyTo: targetMsgId,
    extras: { action: 'delete', targetMessageId: targetMsgId },
  });
}

function tagsOf(msg: IrcMessage) {
  const tag = (key: string): string | undefined => {
    const value = msg.tags.get(key);
    return value === undefined || value === '' ? undefined : value;
  };
  const required = (key: string): string => {
    const value = tag(key);
    if (value === undefined) throw new TmiNormalizeError(`${msg.command}: missing tag "${key}"`);
    return value;
  };
  return { tag, required };
}

function channelOf(msg: IrcMessage, roomId: string): { id: string; name: string } {
  if (!msg.channel) throw new TmiNormalizeError(`${msg.command} without a #channel`);
  return { id: roomId, name: msg.channel.toLowerCase() };
}

function times(tag: (key: string) => string | undefined, receivedAt: Date): { sentAt: string; receivedAt: string } {
  const received = receivedAt.toISOString();
  const sentMs = Number(tag('tmi-sent-ts'));
  return { sentAt: Number.isFinite(sentMs) && sentMs > 0 ? new Date(sentMs).toISOString() : received, receivedAt: received };
}

function isBot(login: string, options: NormalizePrivmsgOptions): boolean {
  return login === options.botLogin.toLowerCase() || (options.knownBots?.has(login) ?? false);
}

/** The event through the contract's decoder; a failure is a normalize error (dead-lettered with its reason). */
export function validated(event: ChatEvent): ChatEvent {
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
