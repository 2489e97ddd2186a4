import type { PlatformAdapter } from './adapter.js';

/** The slice of `@parley/sharding`'s unit a platform needs: the channel's name. */
export interface ChannelUnit {
  id: string;
  name: string;
}

/**
 * The shard manager's units as channels: a unit assigned to this pod is joined, a unit
 * released (or lost) is parted. Pass it to `ShardMember` as its `UnitHandler`.
 */
export class ChannelUnitHandler {
  constructor(private readonly adapter: Pick<PlatformAdapter, 'join' | 'part'>) {}

  start(unit: ChannelUnit): Promise<void> {
    return this.adapter.join(unit.name);
  }

  stop(unit: ChannelUnit): Promise<void> {
    return this.adapter.part(unit.name);
  }
}
