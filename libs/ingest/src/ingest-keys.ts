import type { Platform, StreamKeys } from '@parley/contracts';

/** Every Redis key the kit writes, in one place. */
export class IngestKeys {
  constructor(private readonly keys: StreamKeys) {}

  /** The delivery state of one action: `sending:<token>`, `sent`, `ambiguous` or `refused`. */
  delivery(actionId: string): string {
    return this.keys.key('delivery', actionId);
  }

  /** The last text an identity sent (or was refused as a repeat) in a channel, shared by every pod. */
  lastText(platform: Platform, identity: string, channel: string): string {
    return this.keys.key('last-text', platform, identity.toLowerCase(), channel.toLowerCase());
  }

  /** The mark that an inbound event was published. */
  seen(eventId: string): string {
    return this.keys.key('seen', eventId);
  }

  /** Heartbeats of the consumers of a group. */
  consumers(group: string): string {
    return this.keys.key('consumers', group);
  }

  /** A sliding-window send budget. */
  sendBudget(platform: Platform, identity: string, channel?: string): string {
    const account = `${platform}:send:${identity.toLowerCase()}`;
    return channel === undefined ? account : `${account}:${channel.toLowerCase()}`;
  }
}
