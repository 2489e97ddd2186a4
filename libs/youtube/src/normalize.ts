import { chatEventId, decodeChatEvent, type ChannelRef, type ChatEvent } from '@parley/contracts';
import { youtubeRoles } from './roles.js';

/**
 * A live chat message as either transport gives it: the REST JSON, or the `streamList`
 * proto loaded with camelCase fields and enum names (`TEXT_MESSAGE_EVENT`).
 */
export interface LiveChatItem {
  id?: string;
  snippet?: {
    type?: string;
    liveChatId?: string;
    publishedAt?: string;
    displayMessage?: string;
    textMessageDetails?: { messageText?: string };
    superChatDetails?: { amountMicros?: string; currency?: string; userComment?: string; tier?: number };
    superStickerDetails?: { amountMicros?: string; currency?: string; tier?: number };
    memberMilestoneChatDetails?: { memberMonth?: number; userComment?: string; memberLevelName?: string };
    newSponsorDetails?: { memberLevelName?: string; isUpgrade?: boolean };
    membershipGiftingDetails?: { giftMembershipsCount?: number };
    messageDeletedDetails?: { deletedMessageId?: string };
    userBannedDetails?: { bannedUserDetails?: { channelId?: string }; banType?: string; banDurationSeconds?: string };
  };
  authorDetails?: {
    channelId?: string;
    displayName?: string;
    isChatOwner?: boolean;
    isChatModerator?: boolean;
    isChatSponsor?: boolean;
    isVerified?: boolean;
  };
}

export interface NormalizeLiveChatOptions {
  /** The YouTube channel whose live chat this is. */
  channel: ChannelRef;
  receivedAt: Date;
  /** The bot's own channel id: its messages are marked `isBot`, so it never answers itself. */
  botChannelId: string;
  /** Set on messages published before the bot joined the chat: recorded, never answered. */
  joinedAt?: Date;
}

type Kind = ChatEvent['kind'];

/** Item types that become events; chat-state items (tombstones, polls, members-only mode, chat ended) do not. */
const KINDS: Record<string, Kind> = {
  textMessageEvent: 'message',
  superChatEvent: 'cheer',
  superStickerEvent: 'cheer',
  newSponsorEvent: 'membership',
  memberMilestoneChatEvent: 'membership',
  membershipGiftingEvent: 'membership',
  giftMembershipReceivedEvent: 'membership',
  messageDeletedEvent: 'moderation',
  userBannedEvent: 'moderation',
};

/** `TEXT_MESSAGE_EVENT` (proto enum name) → `textMessageEvent` (the REST value). */
export function itemType(raw: string | undefined): string {
  if (!raw || !raw.includes('_')) return raw ?? '';
  return raw.toLowerCase().replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * A live chat item as a v1 ChatEvent, or undefined for item types Parley does not act on.
 * Throws a ContractError when the item lacks what an event needs, so the caller can
 * dead-letter it with the reason.
 */
export function normalizeLiveChatItem(item: LiveChatItem, options: NormalizeLiveChatOptions): ChatEvent | undefined {
  const snippet = item.snippet ?? {};
  const type = itemType(snippet.type);
  const kind = KINDS[type];
  if (!kind) return undefined;
  const author = item.authorDetails ?? {};
  const authorId = author.channelId ?? '';
  const name = author.displayName || authorId;
  const text =
    snippet.textMessageDetails?.messageText ??
    snippet.superChatDetails?.userComment ??
    snippet.memberMilestoneChatDetails?.userComment ??
    snippet.displayMessage ??
    '';
  const publishedAt = snippet.publishedAt ? new Date(snippet.publishedAt) : options.receivedAt;
  const extras: Record<string, string | number | boolean> = { type };
  if (snippet.liveChatId) extras['liveChatId'] = snippet.liveChatId;
  const paid = snippet.superChatDetails ?? snippet.superStickerDetails;
  if (paid?.amountMicros) extras['amountMicros'] = Number(paid.amountMicros);
  if (paid?.currency) extras['currency'] = paid.currency;
  if (paid?.tier !== undefined) extras['tier'] = paid.tier;
  if (snippet.memberMilestoneChatDetails?.memberMonth !== undefined) extras['months'] = snippet.memberMilestoneChatDetails.memberMonth;
  if (snippet.membershipGiftingDetails?.giftMembershipsCount !== undefined) extras['giftCount'] = snippet.membershipGiftingDetails.giftMembershipsCount;
  if (snippet.messageDeletedDetails?.deletedMessageId) extras['deletedMessageId'] = snippet.messageDeletedDetails.deletedMessageId;
  const ban = snippet.userBannedDetails;
  if (ban?.bannedUserDetails?.channelId) extras['targetId'] = ban.bannedUserDetails.channelId;
  if (ban?.banType) extras['banType'] = ban.banType.toLowerCase();
  if (ban?.banDurationSeconds) extras['durationSeconds'] = Number(ban.banDurationSeconds);
  if (options.joinedAt && publishedAt < options.joinedAt) extras['backlog'] = true;

  return decodeChatEvent({
    v: 1,
    id: chatEventId('youtube', item.id ?? ''),
    platform: 'youtube',
    channel: options.channel,
    author: {
      id: authorId,
      name,
      displayName: name,
      roles: youtubeRoles(author),
      isBot: authorId === options.botChannelId,
    },
    text,
    kind,
    sentAt: publishedAt.toISOString(),
    receivedAt: options.receivedAt.toISOString(),
    extras,
  });
}
