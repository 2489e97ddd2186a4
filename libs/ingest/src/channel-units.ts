import type { PlatformAdapter } from './adapter.js';

/** The slice of `@parley/sharding`'s unit a platform needs: the channel's id and name. */
export interface ChannelUnit {
  id: string;
  name: string;
}

/**
 * The shard manager's units as channels: a unit assigned to this pod is joined, a unit
 * released (or lost) is parted. Pass it to `ShardMember` as its `UnitHandler`.
 * `channelOf` picks what the adapter joins by: the name (Twitch IRC joins by login, the
 * default) or the id (YouTube follows a channel by its id).
 */
export class ChannelUnitHandler {
  constructor(
    private readonly adapter: Pick<PlatformAdapter, 'join' | 'part'>,
    private readonly channelOf: (unit: ChannelUnit) => string = (unit) => unit.name,
  ) {}

  start(unit: ChannelUnit): Promise<void> {
    return this.adapter.join(this.channelOf(unit));
  }

  stop(unit: ChannelUnit): Promise<void> {
    return this.adapter.part(this.channelOf(unit));
  }
}
