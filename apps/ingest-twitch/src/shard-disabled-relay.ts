import { EventEmitter } from 'node:events';
import type { EventSubAdapter } from '@parley/twitch';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const DisabledShardNotice = z.object({ shard: z.string().max(8), status: z.string().max(64), sessionId: z.string().max(128).nullable() });
type DisabledShard = z.infer<typeof DisabledShardNotice>;

export interface ShardDisabledRelayEvents {
  /** Twitch said it disabled a shard (counted by the pod that read the notification). */
  disabled: [DisabledShard];
  /** This pod ran the disabled shard and gave it a new session. */
  recovered: [DisabledShard];
  error: [Error];
}

/**
 * `conduit.shard.disabled` reaches whichever shard Twitch picks, rarely the disabled one's
 * pod: the pod that reads it passes it to every pod over Redis pub/sub, and the pod that runs
 * the shard recovers it (`recoverDisabledShard`): a new session when the one named is its
 * own, its own session assigned again when the one named is another's. A pod that runs the
 * shard no more ignores it.
 */
export class ShardDisabledRelay extends EventEmitter<ShardDisabledRelayEvents> {
  constructor(
    private readonly deps: {
      adapter: Pick<EventSubAdapter, 'on' | 'recoverDisabledShard'>;
      publisher: Redis;
      /** A subscriber connection (shared with other listeners). */
      subscriber: Redis;
      /** The pub/sub channel of the deployment's pods. */
      channel: string;
    },
  ) {
    super();
  }

  async start(): Promise<void> {
    const { adapter, publisher, subscriber, channel } = this.deps;
    subscriber.on('message', (from, message) => {
      if (from !== channel) return;
      let parsed: DisabledShard;
      try {
        parsed = DisabledShardNotice.parse(JSON.parse(message));
      } catch {
        return;
      }
      void this.recover(parsed);
    });
    await subscriber.subscribe(channel);
    adapter.on('shardDisabled', (notice) => {
      this.emit('disabled', notice);
      void this.recover(notice)
        .then((mine) => (mine ? undefined : publisher.publish(channel, JSON.stringify(notice))))
        .catch((error: Error) => this.emit('error', error));
    });
  }

  private async recover(notice: DisabledShard): Promise<boolean> {
    try {
      const mine = await this.deps.adapter.recoverDisabledShard(notice.shard, notice.sessionId);
      if (mine) this.emit('recovered', notice);
      return mine;
    } catch (error) {
      this.emit('error', error as Error);
      return true;
    }
  }
}
