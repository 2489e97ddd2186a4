import { ContractError } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { itemType, normalizeLiveChatItem, type LiveChatItem } from './normalize.js';

const channel = { id: 'UCstreamer', name: 'Streamer' };
const receivedAt = new Date('2026-12-01T12:00:01Z');
const options = { channel, receivedAt, botChannelId: 'UCbot' };
const author = { channelId: 'UCviewer', displayName: 'Viewer', isChatOwner: false, isChatModerator: false, isChatSponsor: false, isVerified: false };

function item(snippet: LiveChatItem['snippet'], details: Partial<typeof author> = {}): LiveChatItem {
  return { id: 'LCC.1', snippet: { liveChatId: 'chat-1', publishedAt: '2026-12-01T12:00:00Z', ...snippet }, authorDetails: { ...author, ...details } };
}

describe('normalizeLiveChatItem', () => {
  it('turns a text message into a message event with the author roles and times', () => {
    const event = normalizeLiveChatItem(item({ type: 'textMessageEvent', textMessageDetails: { messageText: '!ping' } }, { isChatModerator: true, isChatSponsor: true }), options);
    expect(event).toMatchObject({
      id: 'youtube:LCC.1',
      platform: 'youtube',
      channel,
      author: { id: 'UCviewer', name: 'Viewer', roles: ['moderator', 'subscriber', 'everyone'], isBot: false },
      text: '!ping',
      kind: 'message',
      sentAt: '2026-12-01T12:00:00.000Z',
      receivedAt: '2026-12-01T12:00:01.000Z',
      extras: { type: 'textMessageEvent', liveChatId: 'chat-1' },
    });
  });

  it('reads the streamed proto shape (enum names) like the REST one', () => {
    const event = normalizeLiveChatItem(item({ type: 'TEXT_MESSAGE_EVENT', textMessageDetails: { messageText: 'hi' } }), options);
    expect(event?.kind).toBe('message');
    expect(itemType('MEMBER_MILESTONE_CHAT_EVENT')).toBe('memberMilestoneChatEvent');
  });

  it('marks the bot and the chat owner', () => {
    expect(normalizeLiveChatItem(item({ type: 'textMessageEvent', textMessageDetails: { messageText: 'Pong!' } }, { channelId: 'UCbot' }), options)?.author.isBot).toBe(true);
    expect(normalizeLiveChatItem(item({ type: 'textMessageEvent', textMessageDetails: { messageText: 'x' } }, { isChatOwner: true }), options)?.author.roles).toEqual(['broadcaster', 'everyone']);
  });

  it('maps Super Chats and Super Stickers to cheers with their amount', () => {
    const chat = normalizeLiveChatItem(item({ type: 'superChatEvent', superChatDetails: { amountMicros: '5000000', currency: 'USD', userComment: 'gg', tier: 2 } }), options);
    expect(chat).toMatchObject({ kind: 'cheer', text: 'gg', extras: { amountMicros: 5_000_000, currency: 'USD', tier: 2 } });
    const sticker = normalizeLiveChatItem(item({ type: 'superStickerEvent', superStickerDetails: { amountMicros: '1000000', currency: 'EUR', tier: 1 }, displayMessage: 'sticker' }), options);
    expect(sticker).toMatchObject({ kind: 'cheer', extras: { amountMicros: 1_000_000, currency: 'EUR' } });
  });

  it('maps memberships, milestones and gifts to membership events', () => {
    expect(normalizeLiveChatItem(item({ type: 'newSponsorEvent', newSponsorDetails: { memberLevelName: 'Gold' }, displayMessage: 'Welcome' }), options)?.kind).toBe('membership');
    expect(normalizeLiveChatItem(item({ type: 'memberMilestoneChatEvent', memberMilestoneChatDetails: { memberMonth: 12, userComment: 'a year' } }), options)).toMatchObject({
      kind: 'membership',
      text: 'a year',
      extras: { months: 12 },
    });
    expect(normalizeLiveChatItem(item({ type: 'membershipGiftingEvent', membershipGiftingDetails: { giftMembershipsCount: 5 }, displayMessage: 'gifted' }), options)?.extras).toMatchObject({ giftCount: 5 });
  });

  it('maps deletions and bans to moderation events naming the target', () => {
    expect(normalizeLiveChatItem(item({ type: 'messageDeletedEvent', messageDeletedDetails: { deletedMessageId: 'LCC.0' } }), options)?.extras).toMatchObject({ deletedMessageId: 'LCC.0' });
    const ban = normalizeLiveChatItem(
      item({ type: 'USER_BANNED_EVENT', userBannedDetails: { bannedUserDetails: { channelId: 'UCspam' }, banType: 'TEMPORARY', banDurationSeconds: '300' } }),
      options,
    );
    expect(ban).toMatchObject({ kind: 'moderation', extras: { targetId: 'UCspam', banType: 'temporary', durationSeconds: 300 } });
  });

  it('marks messages published before the bot joined as backlog, never to be answered', () => {
    const event = normalizeLiveChatItem(item({ type: 'textMessageEvent', textMessageDetails: { messageText: '!ping' } }), { ...options, joinedAt: new Date('2026-12-01T12:00:00.500Z') });
    expect(event?.extras?.['backlog']).toBe(true);
  });

  it('skips chat-state items and rejects an item without an id or author', () => {
    expect(normalizeLiveChatItem(item({ type: 'tombstone' }), options)).toBeUndefined();
    expect(normalizeLiveChatItem(item({ type: 'CHAT_ENDED_EVENT' }), options)).toBeUndefined();
    expect(() => normalizeLiveChatItem({ snippet: { type: 'textMessageEvent' } }, options)).toThrow(ContractError);
  });
});
