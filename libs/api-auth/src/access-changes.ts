import type { Redis } from 'ioredis';

/** Something that narrows who may do what: a key revoked or changed, a community deleted. */
export type AccessChange = { kind: 'key'; keyId: string; communityId: string } | { kind: 'community'; communityId: string };

export interface AccessChangeHandlers {
  /** A key or community changed, here or on another replica: drop what was derived from it. */
  changed(change: AccessChange): void;
  /** Notices may be missed from now on (the subscription dropped): trust nothing derived. */
  lost(): void;
  /** Notices flow (again): what was missed in between is unknown, so start over. */
  restored(): void;
  /** A message on one of the other channels heard on this subscription (e.g. configuration changes, for a read cache). */
  notice?(channel: string, message: string): void;
}

function decode(message: string): AccessChange | null {
  try {
    const change = JSON.parse(message) as Partial<Record<'kind' | 'keyId' | 'communityId', unknown>>;
    if (typeof change.communityId !== 'string') return null;
    if (change.kind === 'community') return { kind: 'community', communityId: change.communityId };
    if (change.kind === 'key' && typeof change.keyId === 'string') return { kind: 'key', keyId: change.keyId, communityId: change.communityId };
  } catch {
    // Not one of ours: ignored.
  }
  return null;
}

/**
 * Access changes across every replica of a service, over one Redis pub/sub channel. A
 * change applies in this process at once (`announce`) and in the others when the notice
 * arrives. Pub/sub keeps nothing for a subscriber that is away, so the handlers hear
 * `lost` the moment the subscription drops and `restored` once it is back (this class
 * subscribes again itself, so `restored` means the subscription is confirmed).
 * `otherChannels` ride on the same subscription, so `lost` and `restored` hold for
 * their messages too.
 */
export class AccessChanges {
  private subscriber: Redis | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly handlers: AccessChangeHandlers,
    private readonly otherChannels: readonly string[] = [],
  ) {}

  /** Applies the change here, then publishes it. @throws when Redis does not take the notice. */
  async announce(change: AccessChange): Promise<void> {
    this.handlers.changed(change);
    await this.redis.publish(this.channel, JSON.stringify(change));
  }

  /** Subscribes; resolves once the first subscription is confirmed. */
  start(): Promise<void> {
    const subscriber = this.redis.duplicate({ autoResubscribe: false, lazyConnect: true });
    this.subscriber = subscriber;
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return this.handlers.notice?.(channel, message);
      const change = decode(message);
      if (change) this.handlers.changed(change);
    });
    subscriber.on('close', () => this.handlers.lost());
    return new Promise((resolve) => {
      subscriber.on('ready', () => {
        subscriber.subscribe(this.channel, ...this.otherChannels).then(
          () => {
            this.handlers.restored();
            resolve();
          },
          () => this.handlers.lost(),
        );
      });
      subscriber.connect().catch(() => undefined);
    });
  }

  stop(): void {
    this.subscriber?.disconnect();
    this.subscriber = null;
  }
}
