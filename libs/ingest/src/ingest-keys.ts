import type { ChatAction, ChatEvent, Platform, StreamKeys } from '@parley/contracts';

/** Every Redis key the kit writes, in one place. */
export class IngestKeys {
  constructor(private readonly keys: StreamKeys) {}

  /**
   * The delivery state of one action: `sending:<token>`, `sent`, `ambiguous` or `refused`.
   * Tagged with the channel like `lastText`: beginSend-2.lua touches both.
   */
  delivery(action: Pick<ChatAction, 'id' | 'platform' | 'channel'>): string {
    return `${this.keys.prefix}:delivery:${channelTag(action.platform, action.channel.name)}:${action.id}`;
  }

  /** The last text an identity sent (or was refused as a repeat) in a channel, shared by every pod. */
  lastText(platform: Platform, identity: string, channel: string): string {
    return `${this.keys.prefix}:last-text:${channelTag(platform, channel)}:${identity.toLowerCase()}`;
  }

  /** The mark that an inbound event was published: in its event partition's slot (publish-once is one script). */
  seen(event: Pick<ChatEvent, 'id' | 'platform' | 'channel'>): string {
    return this.keys.seen(event.platform, event.channel.id, event.id);
  }

  /** A sliding-window send budget. */
  sendBudget(platform: Platform, identity: string, channel?: string): string {
    const account = `${platform}:send:${identity.toLowerCase()}`;
    return channel === undefined ? account : `${account}:${channel.toLowerCase()}`;
  }
}

function channelTag(platform: Platform, channel: string): string {
  return `{${platform}:${channel.toLowerCase()}}`;
}
