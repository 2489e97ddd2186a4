import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchAuthFake, TwitchEventSubFake, TwitchHelixFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubHarness } from './hub-support.js';
import { distRoot, eventually, logDir, publishedEventCounts } from './support.js';

const BOT = 'parleybot';
const SHARDS = 6;
const CHAT_TYPES = ['channel.chat.message', 'channel.chat.notification', 'channel.chat.message_delete', 'channel.chat.clear_user_messages'];

/**
 * EventSub with the shard manager, driven through the hub (real Redis and Postgres): three
 * ingest pods started at once end with one conduit; the conduit's chat subscriptions follow
 * the hub's Twitch channels (added, disabled, removed) without a restart; each channel's
 * authorization (granted, refused at subscription, revoked) shows on the hub's channel
 * resource and as counts; a shard Twitch disables while its socket looks alive gets a new session.
 */
describe('Twitch EventSub: the conduit follows the hub', () => {
  let hub: HubHarness;
  let communityId: string;
  const grants = new Set<string>();
  const helix = new TwitchHelixFake({ botGrants: grants });
  // Creating a conduit takes Twitch a moment: pods starting together overlap in it.
  const eventSub = new TwitchEventSubFake(helix, { keepaliveSeconds: 10, createConduitDelayMs: 1_000 });
  // Every broadcaster of the test granted channel:bot but beta.
  for (const login of ['alpha', 'gamma', 'delta', 'epsilon']) grants.add(eventSub.channelId(login));
  const auth = new TwitchAuthFake();
  const pods: AppProcess[] = [];
  const others: AppProcess[] = [];
  const channelIds = new Map<string, string>();

  const api = (method: string, path: string, body?: unknown) => hub.request(method, `/v1/communities/${communityId}${path}`, body === undefined ? {} : { body });
  async function addChannel(login: string): Promise<void> {
    const created = await api('POST', '/channels', { platform: 'twitch', platformChannelId: eventSub.channelId(login), name: login });
    expect(created.status).toBe(201);
    channelIds.set(login, created.body.id);
  }
  const subscriptionTypes = (login: string) =>
    eventSub
      .subscriptionsOf()
      .filter((subscription) => subscription.condition.broadcaster_user_id === eventSub.channelId(login))
      .map((subscription) => subscription.type)
      .sort();
  const authorizationOf = async (login: string) => (await api('GET', `/channels/${channelIds.get(login)}`)).body.authorization;
  /** A metric summed over the pods (optionally only series with these labels). */
  async function podSum(name: string, labels: Record<string, string> = {}): Promise<number> {
    let sum = 0;
    for (const pod of pods) {
      const text = await (await fetch(`http://127.0.0.1:${pod.port}/metrics`)).text();
      for (const [, labelText = '', value] of text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))) {
        if (Object.entries(labels).every(([label, wanted]) => labelText.includes(`${label}="${wanted}"`))) sum += Number(value);
      }
    }
    return sum;
  }

  beforeAll(async () => {
    hub = await startHub();
    communityId = (await hub.community('conduit-hub')).id;
    const [helixUrl, eventSubUrl, tokenUrl] = [await helix.start(), await eventSub.start(), await auth.start()];
    await addChannel('alpha');
    await addChannel('beta');
    const env = {
      REDIS_URL: hub.config.REDIS_URL,
      DATABASE_URL: hub.database.url,
      PARLEY_KEY_PREFIX: hub.config.PARLEY_KEY_PREFIX,
      PARLEY_EVENT_PARTITIONS: String(hub.config.PARLEY_EVENT_PARTITIONS),
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
      TWITCH_SUBSCRIPTIONS_RECONCILE_MS: '5000',
      INGEST_MEMBER_TTL_MS: '3000',
      INGEST_CHANNEL_LEASE_TTL_MS: '3000',
      INGEST_ASSIGNMENT_POLL_MS: '500',
      SHARD_MEMBER_TTL_MS: '3000',
      SHARD_LEADER_LEASE_TTL_MS: '3000',
      SHARD_POLL_INTERVAL_MS: '500',
      PARLEY_MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'info',
    };
    others.push(await launchApp('shard-manager', { distRoot, logDir, instance: 'conduit-hub', env: { ...env, SHARD_MANAGER_ID: 'manager-conduit-hub' } }));
    // Three pods at once, and no conduit yet: each would find none and create one without the lock.
    pods.push(
      ...(await Promise.all(
        ['hub-pod-0', 'hub-pod-1', 'hub-pod-2'].map((id) => launchApp('ingest-twitch', { distRoot, logDir, instance: id, env: { ...env, INGEST_MEMBER_ID: id, INGEST_CONSUMER_NAME: id } })),
      )),
    );
    await waitUntilReady([...others, ...pods], 120_000);
  }, 180_000);

  afterAll(async () => {
    await stopApps([...pods, ...others]);
    await Promise.all([eventSub.stop(), helix.stop(), auth.stop()]);
    await hub?.close();
  });

  const conduitId = () => eventSub.conduitIds()[0]!;
  const shards = () => eventSub.shards(conduitId());

  it('three pods started at once make one conduit, and run its shards between them', async () => {
    await eventually(
      async () => (shards().length === SHARDS && shards().every((shard) => shard.status === 'enabled') && (await podSum('parley_twitch_conduit_shards')) === SHARDS ? true : undefined),
      60_000,
      'every shard enabled, each on one pod',
    );
    expect(eventSub.conduitIds()).toHaveLength(1);
    expect(helix.calls('POST /eventsub/conduits').filter((call) => call.status === 200)).toHaveLength(1);
    // Every pod subscribed conduit.shard.disabled for it: one subscription (the others got 409).
    expect(eventSub.subscriptionsOf('conduit.shard.disabled')).toHaveLength(1);
  });

  it('subscribes the hub’s channels, and shows whose broadcaster refused channel:bot', async () => {
    await eventually(() => (subscriptionTypes('alpha').length === 4 ? true : undefined), 30_000, 'alpha’s four chat subscriptions');
    expect(subscriptionTypes('alpha')).toEqual(CHAT_TYPES.toSorted());
    expect(subscriptionTypes('beta')).toEqual([]);
    const beta = await eventually(async () => (await authorizationOf('beta')) ?? undefined, 30_000, 'beta’s authorization on the hub');
    expect(beta).toMatchObject({ state: 'refused', reason: 'helix_403' });
    expect(await authorizationOf('alpha')).toMatchObject({ state: 'granted', reason: null });
    await eventually(async () => ((await podSum('parley_channel_authorization', { platform: 'twitch', state: 'granted' })) === 1 ? true : undefined), 30_000, 'one granted channel counted');
    expect(await podSum('parley_channel_authorization', { platform: 'twitch', state: 'refused' })).toBe(1);
    expect(await podSum('parley_twitch_eventsub_reconciler')).toBe(1);
    // The field is documented in the OpenAPI document.
    const openApi = (await hub.request('GET', '/docs/json', { token: null })).body;
    expect(JSON.stringify(openApi)).toContain('channel:bot');
  });

  it('a channel added in the hub is subscribed and read without a restart; disabled or removed, unsubscribed', async () => {
    await addChannel('gamma');
    await eventually(() => (subscriptionTypes('gamma').length === 4 ? true : undefined), 30_000, 'gamma subscribed after its change notice');
    const messageId = eventSub.viewerSay('gamma', { login: 'viewer', text: 'hello from gamma' });
    await eventually(async () => ((await publishedEventCounts(hub.redis, hub.keys)).get(`twitch:${messageId}`) === 1 ? true : undefined), 30_000, 'gamma’s chat on the bus');

    expect((await api('PATCH', `/channels/${channelIds.get('alpha')}`, { enabled: false })).status).toBe(200);
    expect((await api('DELETE', `/channels/${channelIds.get('gamma')}`)).status).toBe(204);
    await eventually(() => (subscriptionTypes('alpha').length === 0 && subscriptionTypes('gamma').length === 0 ? true : undefined), 30_000, 'alpha and gamma unsubscribed');
    expect(pods.every((pod) => pod.child.exitCode === null)).toBe(true);
  });

  it('a revoked authorization shows on the hub and in the counts', async () => {
    await addChannel('delta');
    await eventually(async () => ((await authorizationOf('delta'))?.state === 'granted' ? true : undefined), 30_000, 'delta granted');
    eventSub.revokeAuthorization('delta', 'user_removed');
    const delta = await eventually(async () => ((await authorizationOf('delta'))?.state === 'refused' ? authorizationOf('delta') : undefined), 30_000, 'delta refused');
    expect(delta).toMatchObject({ state: 'refused', reason: 'user_removed' });
    // The reconciler tries again (Twitch refuses: 403) and counts it refused; the first reason stays.
    await eventually(async () => ((await podSum('parley_channel_authorization', { platform: 'twitch', state: 'refused' })) === 2 ? true : undefined), 30_000, 'beta and delta counted refused');
    expect(await podSum('parley_channel_authorization', { platform: 'twitch', state: 'granted' })).toBe(0);
    expect(await authorizationOf('delta')).toMatchObject({ state: 'refused', reason: 'user_removed' });
  });

  it('conduit.shard.disabled: a shard Twitch disabled while its socket looked alive gets a new session on its pod', async () => {
    await addChannel('epsilon');
    await eventually(() => (subscriptionTypes('epsilon').length === 4 ? true : undefined), 30_000, 'epsilon subscribed');
    const before = shards().find((shard) => shard.id === '3')!;
    expect(before.status).toBe('enabled');
    eventSub.disableShard(conduitId(), '3', 'websocket_failed_ping_pong');
    // The fake keeps the old socket open with keepalives: only the notification can tell the pod.
    const after = await eventually(() => {
      const shard = shards().find((candidate) => candidate.id === '3')!;
      return shard.status === 'enabled' && shard.sessionId !== before.sessionId ? shard : undefined;
    }, 30_000, 'shard 3 enabled on a new session');
    expect(after.sessionId).not.toBe(before.sessionId);
    expect(await podSum('parley_twitch_conduit_shards_recovered_total')).toBe(1);
    expect(await podSum('parley_twitch_conduit_shards_disabled_total', { status: 'websocket_failed_ping_pong' })).toBeGreaterThanOrEqual(1);
    // Chat still reaches the bus over every shard.
    const ids = Array.from({ length: SHARDS * 2 }, (_, i) => eventSub.viewerSay('epsilon', { login: `viewer${i}`, text: `line ${i}` }));
    await eventually(async () => {
      const published = await publishedEventCounts(hub.redis, hub.keys);
      return ids.every((id) => published.get(`twitch:${id}`) === 1) ? true : undefined;
    }, 30_000, 'every line on the bus once');
  });
});
