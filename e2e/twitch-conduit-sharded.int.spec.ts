import { setTimeout as sleep } from 'node:timers/promises';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchAuthFake, TwitchEventSubFake, TwitchHelixFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir, publishedEventCounts } from './support.js';

const CHANNELS = Array.from({ length: 300 }, (_, i) => `conduit${String(i).padStart(3, '0')}`);
const SHARDS = 12;
const LEASE_TTL_MS = 3_000;
const BOT = 'parleybot';

/**
 * Three ingest pods read 300 channels through one EventSub conduit of 12 shards, placed by
 * the shard manager (the unit is a conduit shard), with a router answering `!ping` through
 * the Send Chat Message API. The pods make the conduit and subscribe the 300 channels of
 * PostgreSQL themselves (one pod reconciles). A SIGKILLed pod's shards are taken over within the lease TTL
 * + 5 s, and no viewer message is lost or answered twice: the fake retries what it wrote
 * to the dead pod's sockets on another shard (Twitch's retry once on another shard) and the
 * ingest publishes each message id once. A `session_reconnect` moves a shard with no gap.
 */
describe('Twitch EventSub conduit, sharded over three pods', () => {
  const prefix = uniquePrefix('e2e-conduit');
  const keys = new StreamKeys(prefix, 4);
  const redis = new Redis(redisUrl());
  const helix = new TwitchHelixFake();
  const eventSub = new TwitchEventSubFake(helix, { keepaliveSeconds: 10 });
  const auth = new TwitchAuthFake();
  const pods = new Map<string, AppProcess>();
  const others: AppProcess[] = [];
  let undeliverable = 0;
  let retried = 0;
  let conduitId: string;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    const [helixUrl, eventSubUrl, tokenUrl] = [await helix.start(), await eventSub.start(), await auth.start()];
    eventSub.on('undeliverable', () => undeliverable++);
    eventSub.on('delivered', ({ retry }) => void (retry && retried++));
    const community = await new CommunityRepository(database.pool).create({ slug: 'conduit', name: 'Conduit' });
    const channels = new ChannelRepository(database.pool);
    for (const name of CHANNELS) await channels.create({ communityId: community.id, platform: 'twitch', platformChannelId: eventSub.channelId(name), name });

    const env = {
      REDIS_URL: redisUrl(),
      DATABASE_URL: database.url,
      PARLEY_KEY_PREFIX: prefix,
      PARLEY_EVENT_PARTITIONS: '4',
      TWITCH_TRANSPORT: 'eventsub',
      TWITCH_HELIX_URL: helixUrl,
      TWITCH_EVENTSUB_URL: eventSubUrl,
      TWITCH_TOKEN_URL: tokenUrl,
      TWITCH_BOT_LOGIN: BOT,
      TWITCH_BOT_USER_ID: eventSub.channelId(BOT),
      TWITCH_OAUTH_TOKEN: 'bot-user-token',
      TWITCH_CLIENT_ID: auth.options.clientId,
      TWITCH_CLIENT_SECRET: auth.options.clientSecret,
      TWITCH_CONDUIT_SHARDS: String(SHARDS),
      SHARD_TWITCH_CONDUIT_SHARDS: String(SHARDS),
      INGEST_MEMBER_TTL_MS: String(LEASE_TTL_MS),
      INGEST_CHANNEL_LEASE_TTL_MS: String(LEASE_TTL_MS),
      INGEST_ASSIGNMENT_POLL_MS: '500',
      SHARD_MEMBER_TTL_MS: String(LEASE_TTL_MS),
      SHARD_LEADER_LEASE_TTL_MS: String(LEASE_TTL_MS),
      SHARD_POLL_INTERVAL_MS: '500',
      LOG_LEVEL: 'info',
    };
    others.push(await launchApp('shard-manager', { distRoot, logDir, instance: 'conduit', env: { ...env, SHARD_MANAGER_ID: 'manager-conduit' } }));
    others.push(await launchApp('router', { distRoot, logDir, instance: 'conduit', env: { ...env, ROUTER_CONSUMER_NAME: 'router-conduit' } }));
    for (const id of ['pod-0', 'pod-1', 'pod-2']) {
      pods.set(id, await launchApp('ingest-twitch', { distRoot, logDir, instance: `conduit-${id}`, env: { ...env, INGEST_MEMBER_ID: id, INGEST_CONSUMER_NAME: id } }));
    }
    await waitUntilReady([...others, ...pods.values()], 120_000);
    // The pods made the conduit (one, under their lease) and one of them subscribes the channels from PostgreSQL.
    expect(eventSub.conduitIds()).toHaveLength(1);
    conduitId = eventSub.conduitIds()[0]!;
    const chatSubscriptions = () => eventSub.subscriptionsOf().filter((subscription) => subscription.type.startsWith('channel.chat.')).length;
    await eventually(() => (chatSubscriptions() === CHANNELS.length * 4 ? true : undefined), 60_000, 'every channel’s four chat subscriptions, made by the reconciling pod');
  }, 240_000);

  afterAll(async () => {
    await stopApps([...pods.values(), ...others]);
    await Promise.all([eventSub.stop(), helix.stop(), auth.stop()]);
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  const shards = () => eventSub.shards(conduitId);
  const allEnabled = () => {
    const current = shards();
    return current.length === SHARDS && current.every((shard) => shard.status === 'enabled') && new Set(current.map((shard) => shard.sessionId)).size === SHARDS;
  };
  const shardsOf = async (pod: AppProcess) => {
    const metrics = await (await fetch(`http://127.0.0.1:${pod.port}/metrics`)).text();
    return Number(/^parley_twitch_conduit_shards(?:\{[^}]*\})? (\d+)$/m.exec(metrics)?.[1] ?? Number.NaN);
  };

  const publishedEvents = () => publishedEventCounts(redis, keys);

  /** Viewers write `!ping` round the channels every few ms until `stop()`; the ids written. */
  function chatter(everyMs: number) {
    const ids: string[] = [];
    let running = true;
    const done = (async () => {
      for (let i = 0; running; i++) {
        // One viewer per line: the router's answer budget per viewer is not what this measures.
        ids.push(eventSub.viewerSay(CHANNELS[i % CHANNELS.length]!, { login: `viewer${i}`, text: '!ping' }));
        await sleep(everyMs);
      }
    })();
    return {
      ids,
      stop: async () => {
        running = false;
        await done;
      },
    };
  }

  /** Every id published exactly once, and answered at most once (answered once unless its answer's outcome was unknown: dead-lettered). */
  async function expectEachReadOnceAndAnsweredOnce(ids: string[]) {
    let published = new Map<string, number>();
    // A generous deadline (a busy machine), then the ids still missing, named: the evidence of a loss.
    await eventually(async () => {
      published = await publishedEvents();
      return ids.every((id) => published.has(`twitch:${id}`)) ? true : undefined;
    }, 90_000, 'every message on the bus').catch(() => undefined);
    expect(ids.filter((id) => !published.has(`twitch:${id}`))).toEqual([]);
    const twice = ids.filter((id) => published.get(`twitch:${id}`) !== 1);
    expect(twice).toEqual([]);
    const answers = () => {
      const counts = new Map<string, number>();
      for (const sent of helix.chatMessages()) if (sent.replyParentMessageId) counts.set(sent.replyParentMessageId, (counts.get(sent.replyParentMessageId) ?? 0) + 1);
      return counts;
    };
    const ambiguous = async () => (await Promise.all(keys.allDeadLetterStreams().map((stream) => redis.xrange(stream, '-', '+')))).flat().filter(([, fields]) => fields.join(' ').includes('ambiguous')).length;
    const answered = await eventually(async () => {
      const counts = answers();
      const unanswered = ids.filter((id) => !counts.has(id)).length;
      return unanswered <= (await ambiguous()) ? counts : undefined;
    }, 60_000, 'every message answered (or its answer dead-lettered as ambiguous)');
    expect(ids.filter((id) => (answered.get(id) ?? 0) > 1)).toEqual([]);
    return { unanswered: ids.filter((id) => !answered.has(id)).length };
  }

  it('runs every conduit shard on exactly one pod, four each, with its session assigned at Twitch', async () => {
    // Pods arrive one by one: the last one's share moves to it after it joins.
    const perPod = await eventually(async () => {
      const counts = await Promise.all([...pods.values()].map(shardsOf));
      return allEnabled() && counts.every((count) => count === 4) ? counts : undefined;
    }, 60_000, 'four shards on each pod, all 12 enabled');
    expect(perPod.reduce((sum, count) => sum + count, 0)).toBe(SHARDS);
    // The test's own limit above its wait's (vitest's default of 30 s cut the 60 s wait short).
  }, 90_000);

  it('SIGKILL: the dead pod’s shards are taken over within the lease TTL + 5 s; no message lost, none answered twice', async () => {
    const talk = chatter(10);
    await sleep(2_000);
    const victim = pods.get('pod-1')!;
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    pods.delete('pod-1');
    // The dead pod's shards are disabled at once (its sockets closed); then taken over.
    await eventually(() => (shards().some((shard) => shard.status !== 'enabled') ? true : undefined), 5_000, 'the dead pod’s shards disabled');
    await eventually(() => (allEnabled() ? true : undefined), LEASE_TTL_MS + 5_000, 'all shards enabled again');
    const takeoverMs = Date.now() - killedAt;
    await sleep(2_000);
    await talk.stop();
    const { unanswered } = await expectEachReadOnceAndAnsweredOnce(talk.ids);
    const perPod = await Promise.all([...pods.values()].map(shardsOf));
    expect(perPod.reduce((sum, count) => sum + count, 0)).toBe(SHARDS);
    expect(undeliverable).toBe(0);
    console.info(`conduit SIGKILL: ${talk.ids.length} messages, shards taken over in ${takeoverMs} ms (lease ${LEASE_TTL_MS} ms), ${retried} notifications retried on another shard, ${unanswered} answers dropped as ambiguous`);
  }, 240_000);

  it('session_reconnect moves a shard to a new socket with no gap', async () => {
    const before = shards().find((shard) => shard.id === '0')!;
    const talk = chatter(10);
    await sleep(1_000);
    const retriedBefore = retried;
    const moved = new Promise((resolve) => eventSub.once('sessionMoved', resolve));
    eventSub.reconnectSession(before.sessionId!);
    await moved;
    await sleep(2_000);
    await talk.stop();
    await expectEachReadOnceAndAnsweredOnce(talk.ids);
    // Same session (Twitch keeps it across a reconnect), still enabled, nothing had to be retried.
    expect(shards().find((shard) => shard.id === '0')).toMatchObject({ status: 'enabled', sessionId: before.sessionId });
    expect(retried).toBe(retriedBefore);
    expect(undeliverable).toBe(0);
  }, 240_000);
});
