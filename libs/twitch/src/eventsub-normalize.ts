import { chatEventId, type ChatEvent } from '@parley/contracts';
import { TmiNormalizeError } from './errors.js';
import type { EventSubFrame } from './eventsub-session.js';
import { validated, type NormalizePrivmsgOptions } from './normalize.js';
import { twitchRoles } from './roles.js';

/** EventSub chat subscriptions Parley makes for every channel, at version 1. */
export const CHAT_SUBSCRIPTION_TYPES = ['channel.chat.message', 'channel.chat.notification', 'channel.chat.message_delete', 'channel.chat.clear_user_messages'] as const;

/** `notice_type` values that become events, under IRC's USERNOTICE msg-id (so extras read the same from both transports). */
const NOTICE_KINDS: Record<string, { kind: 'subscription' | 'raid'; notice: string }> = {
  sub: { kind: 'subscription', notice: 'sub' },
  resub: { kind: 'subscription', notice: 'resub' },
  sub_gift: { kind: 'subscription', notice: 'subgift' },
  community_sub_gift: { kind: 'subscription', notice: 'submysterygift' },
  gift_paid_upgrade: { kind: 'subscription', notice: 'giftpaidupgrade' },
  prime_paid_upgrade: { kind: 'subscription', notice: 'primepaidupgrade' },
  raid: { kind: 'raid', notice: 'raid' },
};

type Event = Record<string, unknown>;

/**
 * An EventSub chat notification as the same v1 ChatEvent IRC gives: the event id is
 * `twitch:<chat message id>` (so a message read over both transports, or delivered twice,
 * is published once), roles from the badges, a deletion under IRC's CLEARMSG id.
 * `undefined` for a frame that is not chat, `null` for a notice Parley does not act on;
 * throws {@link TmiNormalizeError} for a chat frame missing what it needs.
 */
export function normalizeEventSub(frame: EventSubFrame, options: NormalizePrivmsgOptions): ChatEvent | null | undefined {
  if (frame.metadata.message_type !== 'notification') return undefined;
  const event = frame.payload.event;
  const type = frame.metadata.subscription_type;
  if (!event || !type?.startsWith('channel.chat.')) return undefined;
  const text = (key: string): string | undefined => (typeof event[key] === 'string' && event[key] !== '' ? (event[key] as string) : undefined);
  const required = (key: string): string => text(key) ?? fail(`${type}: missing "${key}"`);
  const channel = { id: required('broadcaster_user_id'), name: required('broadcaster_user_login').toLowerCase() };
  const received = options.receivedAt.toISOString();
  const times = { sentAt: Number.isNaN(Date.parse(frame.metadata.message_timestamp)) ? received : new Date(frame.metadata.message_timestamp).toISOString(), receivedAt: received };
  const isBot = (login: string) => login === options.botLogin.toLowerCase() || (options.knownBots?.has(login) ?? false);

  switch (type) {
    case 'channel.chat.message': {
      const login = required('chatter_user_login').toLowerCase();
      const bits = Number((event.cheer as { bits?: unknown } | null)?.bits ?? 0);
      const reply = event.reply as { parent_message_id?: string } | null;
      const extras: Record<string, string | number | boolean> = {};
      if (text('color')) extras.color = text('color')!;
      if (bits > 0) extras.bits = bits;
      return validated({
        v: 1,
        id: chatEventId('twitch', required('message_id')),
        platform: 'twitch',
        channel,
        author: { id: required('chatter_user_id'), name: login, displayName: text('chatter_user_name') ?? login, roles: rolesOf(event), isBot: isBot(login) },
        text: String((event.message as { text?: unknown } | undefined)?.text ?? ''),
        kind: bits > 0 ? 'cheer' : 'message',
        ...times,
        ...(reply?.parent_message_id && { replyTo: reply.parent_message_id }),
        extras,
      });
    }
    case 'channel.chat.notification': {
      const mapped = NOTICE_KINDS[text('notice_type') ?? ''];
      if (!mapped) return null;
      // An anonymous gifter has no login: the channel stands in, as Twitch's own "AnAnonymousGifter".
      const login = (text('chatter_user_login') ?? 'ananonymousgifter').toLowerCase();
      return validated({
        v: 1,
        id: chatEventId('twitch', required('message_id')),
        platform: 'twitch',
        channel,
        author: { id: text('chatter_user_id') ?? channel.id, name: login, displayName: text('chatter_user_name') ?? login, roles: rolesOf(event), isBot: isBot(login) },
        text: String((event.message as { text?: unknown } | undefined)?.text || text('system_message') || ''),
        kind: mapped.kind,
        ...times,
        extras: { notice: mapped.notice },
      });
    }
    case 'channel.chat.message_delete': {
      const messageId = required('message_id');
      const login = required('target_user_login').toLowerCase();
      return validated({
        v: 1,
        id: chatEventId('twitch', `clearmsg:${messageId}`),
        platform: 'twitch',
        channel,
        author: { id: required('target_user_id'), name: login, displayName: text('target_user_name') ?? login, roles: ['everyone'], isBot: isBot(login) },
        text: '',
        kind: 'moderation',
        ...times,
        replyTo: messageId,
        extras: { action: 'delete', targetMessageId: messageId },
      });
    }
    case 'channel.chat.clear_user_messages': {
      const login = required('target_user_login').toLowerCase();
      const target = required('target_user_id');
      return validated({
        v: 1,
        // No message id of its own: the notification's id is stable across Twitch's retries.
        id: chatEventId('twitch', `clearuser:${channel.id}:${target}:${frame.metadata.message_id}`),
        platform: 'twitch',
        channel,
        author: { id: target, name: login, displayName: text('target_user_name') ?? login, roles: ['everyone'], isBot: isBot(login) },
        text: '',
        kind: 'moderation',
        ...times,
        // A ban or a timeout: EventSub does not say which here (channel.ban would).
        extras: { action: 'clear_user' },
      });
    }
    default:
      return null;
  }
}

/** EventSub badges `[{set_id:'moderator', id:'1'}]` as the IRC badges tag the role mapping reads. */
function rolesOf(event: Event) {
  const badges = Array.isArray(event.badges) ? (event.badges as Array<{ set_id?: unknown; id?: unknown }>) : [];
  return twitchRoles(badges.map((badge) => `${String(badge.set_id)}/${String(badge.id)}`).join(','));
}

function fail(reason: string): never {
  throw new TmiNormalizeError(reason);
}
