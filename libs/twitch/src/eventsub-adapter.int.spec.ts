import { once } from 'node:events';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { TwitchEventSubFake, TwitchHelixFake } from '@parley/platform-fakes';
import { LeaseManager } from '@parley/sharding';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventSubAdapter, type ChannelAuthorization } from './eventsub-adapter.js';
import type { EventSubFrame } from './eventsub-session.js';
import { HelixClient } from './helix-client.js';

const BOT = 'parleybot';
const CHANNEL = 'sessionroom';

/** The EventSub adapter against the Helix and EventSub fakes, without the kit: sessions, revocations, sends. */
describe('EventSubAdapter against the EventSub fake', () => {
  const helix = new TwitchHelixFake({ acceptToken: (token) => token !== 'stale-token' });
  const eventSub = new TwitchEventSubFake(helix, { keepaliveSeconds: 1 });
  const adapters: EventSubAdapter[] = [];
  let wsUrl: string;

  beforeAll(async () => {
    await helix.start();
    wsUrl = await eventSub.start();
  });

  afterAll(async () => {
    for (const adapter of adapters) await adapter.close();
    await eventSub.stop();
    await helix.stop();
  });

  function adapter(shardCount = 1, token: () => Promise<string> = async () => 'app-token') {
    const created = new EventSubAdapter(new HelixClient({ clientId: helix.options.clientId, baseUrl: helix.url, auth: { accessToken: token } }), {
      botLogin: BOT,
      botUserId: eventSub.channelId(BOT),
      shardCount,
      session: { url: wsUrl, keepaliveSeconds: 1, reconnectBackoff: { baseMs: 50, maxMs: 200 } },
    });
    adapters.push(created);
    return created;
  }

  it('replaces a session that went silent (keepalive timeout) and assigns the new one to its shard', async () => {
    const reader = adapter();
    const frames: EventSubFrame[] = [];
    reader.read((frame) => frames.push(frame));
    await reader.connect();
    await reader.join(CHANNEL);
    await reader.startShard('0');
    const first = reader.sessionOf('0')!;
    const lost = once(reader, 'shardLost');
    eventSub.silence(first);
    const [{ reason }] = (await lost) as [{ reason: string }];
    expect(reason).toMatch(/closed 1006/);
    await vi.waitFor(() => expect(eventSub.shards(reader.conduit!)[0]).toMatchObject({ status: 'enabled', sessionId: reader.sessionOf('0') }), { timeout: 10_000 });
    expect(reader.sessionOf('0')).not.toBe(first);
    // Chat flows on the new session.
    const id = eventSub.viewerSay(CHANNEL, { login: 'alice', text: 'still here' });
    await vi.waitFor(() => expect(frames.some((frame) => (frame.payload.event as { message_id?: string } | undefined)?.message_id === id)).toBe(true));
  });

  it('fails the start of a shard Twitch will not assign, and runs no session for it', async () => {
    const reader = adapter(1);
    await reader.connect();
    await expect(reader.startShard('5')).rejects.toThrow(/conduit shard 5: shard not found/);
    expect(reader.runningShards()).toEqual([]);
  });

  it('counts a revocation and marks the channel’s authorization refused', async () => {
    const reader = adapter();
    const authorization: ChannelAuthorization[] = [];
    reader.on('authorization', (state) => authorization.push(state));
    await reader.connect();
    await reader.startShard('0');
    await reader.join('revokedroom');
    const revoked = once(reader, 'revoked');
    const subscription = eventSub.subscriptionsOf('channel.chat.message').find((candidate) => candidate.condition.broadcaster_user_id === eventSub.channelId('revokedroom'))!;
    eventSub.revoke(subscription.id);
    const broadcasterId = eventSub.channelId('revokedroom');
    expect((await revoked)[0]).toEqual({ type: 'channel.chat.message', broadcasterId, status: 'authorization_revoked', authorizationLost: true });
    expect(authorization).toEqual([
      { broadcasterId, channel: 'revokedroom', state: 'granted', reason: null },
      { broadcasterId, channel: 'revokedroom', state: 'refused', reason: 'authorization_revoked' },
    ]);
    expect(reader.authorizationCounts()).toEqual({ granted: 0, refused: 1, pending: 0 });
  });

  it('reconciles the conduit’s chat subscriptions with the wanted channels, refused ones counted', async () => {
    const reconciler = adapter();
    await reconciler.connect();
    const wanted = (logins: string[]) => logins.map((login) => ({ broadcasterId: eventSub.channelId(login), login }));
    const typesOf = (login: string) => eventSub.subscriptionsOf().filter((subscription) => subscription.condition.broadcaster_user_id === eventSub.channelId(login)).length;
    eventSub.revokeAuthorization('refusingroom');
    const before = eventSub.subscriptionsOf().filter((subscription) => subscription.type.startsWith('channel.chat.')).length;
    const first = await reconciler.reconcile(wanted(['keptroom', 'droppedroom', 'refusingroom']));
    // The earlier tests' channels are not wanted: their subscriptions go.
    expect(first).toMatchObject({ created: 8, deleted: before, failed: 0 });
    expect(first.authorizations.find((authorization) => authorization.channel === 'refusingroom')).toMatchObject({ state: 'refused', reason: 'helix_403' });
    expect([typesOf('keptroom'), typesOf('droppedroom'), typesOf('refusingroom')]).toEqual([4, 4, 0]);
    // Without a listing (a change notice): only the difference costs calls.
    const calls = helix.calls().length;
    const second = await reconciler.reconcile(wanted(['keptroom', 'refusingroom']), { refresh: false });
    expect(second).toMatchObject({ created: 0, deleted: 4 });
    expect([typesOf('keptroom'), typesOf('droppedroom')]).toEqual([4, 0]);
    expect(helix.calls().slice(calls).map((call) => `${call.method} ${call.path}`).filter((route) => route !== 'DELETE /eventsub/subscriptions')).toEqual(['POST /eventsub/subscriptions']);
    expect(reconciler.authorizationCounts()).toEqual({ granted: 1, refused: 1, pending: 0 });
  });

  it('replaces the session of a shard Twitch disabled while its socket stayed open; assigns its own again when the notice names another', async () => {
    const reader = adapter(2);
    await reader.connect();
    await reader.startShard('0');
    await reader.startShard('1');
    const session = reader.sessionOf('0')!;
    const disabled = once(reader, 'shardDisabled');
    eventSub.disableShard(reader.conduit!, '0');
    expect((await disabled)[0]).toEqual({ shard: '0', status: 'websocket_failed_ping_pong', sessionId: session });
    // Twitch's shard pointed at another pod's session that closed: this pod runs the shard, so its session is assigned again.
    expect(await reader.recoverDisabledShard('0', 'another-session')).toBe(true);
    expect(eventSub.shards(reader.conduit!)[0]).toMatchObject({ status: 'enabled', sessionId: session });
    expect(await reader.recoverDisabledShard('0', session)).toBe(true);
    expect(eventSub.shards(reader.conduit!)[0]).toMatchObject({ status: 'enabled', sessionId: reader.sessionOf('0') });
    expect(reader.sessionOf('0')).not.toBe(session);
    expect(await reader.recoverDisabledShard('5', null)).toBe(false);
  });

  it('sends through Send Chat Message and turns drop reasons and 429 into the kit’s outcomes', async () => {
    const sender = adapter();
    await sender.connect();
    const message = { kind: 'reply' as const, channel: CHANNEL, channelId: eventSub.channelId(CHANNEL), text: 'Pong!', targetMessageId: 'm-1' };
    const confirm = async () => sender.confirm(await sender.send(message, 0));
    expect(await confirm()).toMatchObject({ status: 'accepted' });
    expect(helix.chatMessages(eventSub.channelId(CHANNEL)).at(-1)).toMatchObject({ message: 'Pong!', replyParentMessageId: 'm-1', senderId: eventSub.channelId(BOT), isSent: true });
    helix.dropNextChatMessage('msg_duplicate', 'Your message is identical to the previous one.');
    expect(await confirm()).toEqual({ status: 'refused', reason: 'msg_duplicate', retry: 'variant' });
    helix.dropNextChatMessage('msg_followersonly', 'Followers only.');
    expect(await confirm()).toEqual({ status: 'refused', reason: 'msg_followersonly', retry: 'never' });
    helix.rateLimitFor(2_000);
    const limited = await confirm();
    expect(limited).toMatchObject({ status: 'refused', reason: 'helix_rate_limited', retry: 'later' });
    expect((limited as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    expect((limited as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(3_000);
    helix.rateLimitFor(0);
  });

  it('refreshes a token Helix refuses (401) once, and tries again with the new one', async () => {
    let current = 'stale-token';
    const refused: string[] = [];
    const client = new HelixClient({
      clientId: helix.options.clientId,
      baseUrl: helix.url,
      auth: {
        accessToken: async () => current,
        refused: async (token) => {
          refused.push(token);
          current = 'fresh-token';
        },
      },
    });
    await client.deleteChatMessage('1', '1', 'm-9');
    expect(refused).toEqual(['stale-token']);
    expect(helix.calls('DELETE /moderation/chat').at(-1)).toMatchObject({ status: 204, token: 'fresh-token' });
  });
});


/** Pods starting at once: each finds no conduit; without a lock each would create one. */
describe('EventSubAdapter.connect from three pods at once', () => {
  const redis = new Redis(redisUrl());
  const prefix = uniquePrefix('conduit-race');
  const fakes: Array<{ stop(): Promise<void> }> = [];

  afterAll(async () => {
    for (const fake of fakes) await fake.stop();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  /** Three pods' adapters against a fresh Twitch (no conduit yet) that takes 300 ms to create one. */
  async function threePods(singleFlight?: (holder: string) => <T>(work: () => Promise<T>) => Promise<T>) {
    const helix = new TwitchHelixFake();
    const eventSub = new TwitchEventSubFake(helix, { createConduitDelayMs: 300 });
    fakes.push(eventSub, helix);
    await helix.start();
    await eventSub.start();
    const pods = ['pod-0', 'pod-1', 'pod-2'].map(
      (holder) =>
        new EventSubAdapter(new HelixClient({ clientId: helix.options.clientId, baseUrl: helix.url, auth: { accessToken: async () => 'app-token' } }), {
          botLogin: BOT,
          botUserId: eventSub.channelId(BOT),
          shardCount: 3,
          ...(singleFlight && { singleFlight: singleFlight(holder) }),
        }),
    );
    await Promise.all(pods.map((adapter) => adapter.connect()));
    return { eventSub, pods };
  }

  it('makes exactly one conduit when finding or creating it runs under a Redis lease', async () => {
    const { eventSub, pods } = await threePods((holder) => {
      const leases = new LeaseManager(redis, { keyPrefix: prefix, holder, ttlMs: 10_000 });
      return (work) => leases.withLease('twitch-eventsub-conduit', work, 20);
    });
    expect(eventSub.conduitIds()).toHaveLength(1);
    expect(pods.map((adapter) => adapter.conduit)).toEqual(Array(3).fill(eventSub.conduitIds()[0]));
    expect(eventSub.subscriptionsOf('conduit.shard.disabled')).toHaveLength(1);
  });

  it('(the race the lease prevents) makes one conduit per pod without it', async () => {
    const { eventSub } = await threePods();
    expect(eventSub.conduitIds()).toHaveLength(3);
  });
});
