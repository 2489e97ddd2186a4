import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatAction } from '@parley/contracts';
import { ChannelRepository, CommandRepository, CommunityRepository, WebhookModuleRepository } from '@parley/db';
import { createTestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TestWebhookHandlers, TestWebhookServer } from '@parley/modules/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatEvent, distRoot, eventually, logDir, readActions } from './support.js';

const FALLBACK = 'Module unavailable, sorry!';
const MODULE_TIMEOUT_MS = 300;
const RESET_MS = 1_500;

describe('a command served by a webhook module behind its breaker', () => {
  const prefix = uniquePrefix('e2e-breaker');
  const keys = new StreamKeys(prefix, 2);
  const redis = new Redis(redisUrl());
  const channel = { id: 'room-hook', name: 'hooks' };
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let webhook: TestWebhookServer;
  let router: AppProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    webhook = await TestWebhookServer.start('a-module-secret-of-enough-length', TestWebhookHandlers.reply('from the module'));
    const community = await new CommunityRepository(database.pool).create({ slug: 'hooks', name: 'Hooks' });
    await new ChannelRepository(database.pool).create({ communityId: community.id, platform: 'twitch', platformChannelId: channel.id, name: channel.name });
    const module = await new WebhookModuleRepository(database.pool).create({
      communityId: community.id,
      name: 'weather',
      url: webhook.url,
      secret: webhook.secret,
      timeoutMs: MODULE_TIMEOUT_MS,
    });
    await new CommandRepository(database.pool).create({ communityId: community.id, name: 'weather', response: 'unused', moduleId: module.id });
    router = await launchApp('router', {
      distRoot,
      logDir,
      env: {
        REDIS_URL: redisUrl(),
        DATABASE_URL: database.url,
        PARLEY_KEY_PREFIX: prefix,
        PARLEY_EVENT_PARTITIONS: '2',
        ROUTER_MODULE_BREAKER_VOLUME: '3',
        ROUTER_MODULE_BREAKER_RESET_MS: String(RESET_MS),
        ROUTER_MODULE_FALLBACK_TEXT: FALLBACK,
        // The test webhooks listen on loopback.
        ROUTER_WEBHOOK_ALLOWLIST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
    });
    await waitUntilReady([router]);
  });

  afterAll(async () => {
    await stopApps(router ? [router] : []);
    await webhook?.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await database?.drop();
  });

  /** Sends a command and resolves to its answer and how long it took. */
  async function ask(text: string, viewer = `v${Math.random()}`): Promise<{ action: ChatAction; ms: number }> {
    const event = chatEvent(channel, viewer, text);
    const started = Date.now();
    await new StreamProducer(redis).publish(keys.eventStreamFor('twitch', channel.id), event);
    const action = await eventually(async () => (await readActions(redis, keys)).find((a) => a.causedBy === event.id), 10_000, `answer to ${text}`);
    return { action, ms: Date.now() - started };
  }

  async function breakerState(): Promise<string | undefined> {
    const body = await (await fetch(`http://127.0.0.1:${router.port}/metrics`)).text();
    return body.split('\n').find((line) => line.startsWith('parley_module_breaker_state{'))?.split(' ').at(-1);
  }

  it('answers from the module, falls back when it hangs, opens, half-opens and closes again', async () => {
    expect((await ask('!weather')).action.text).toBe('from the module');
    expect(webhook.received.at(-1)?.signatureValid).toBe(true);

    webhook.handler = TestWebhookHandlers.hang();
    const timedOut = await ask('!weather');
    expect(timedOut.action.text).toBe(FALLBACK);
    expect(timedOut.ms).toBeGreaterThanOrEqual(MODULE_TIMEOUT_MS - 50);
    await ask('!weather');
    await ask('!weather');
    await eventually(async () => ((await breakerState()) === '2' ? true : undefined), 2_000, 'the breaker to open');

    // Open: the fallback comes at once and the module is not called.
    const callsWhileOpen = webhook.received.length;
    const shortCircuited = await ask('!weather');
    expect(shortCircuited.action.text).toBe(FALLBACK);
    expect(shortCircuited.ms).toBeLessThan(MODULE_TIMEOUT_MS);
    expect(webhook.received.length).toBe(callsWhileOpen);

    // Other commands keep their latency while the module is down.
    const pings = await Promise.all(Array.from({ length: 10 }, () => ask('!ping')));
    expect(pings.every(({ action }) => action.text === 'Pong!')).toBe(true);
    expect(Math.max(...pings.map(({ ms }) => ms))).toBeLessThan(MODULE_TIMEOUT_MS);

    // The module recovers: after the reset timeout one trial call closes the breaker.
    webhook.handler = TestWebhookHandlers.reply('back again');
    await new Promise((resolve) => setTimeout(resolve, RESET_MS + 200));
    expect((await ask('!weather')).action.text).toBe('back again');
    expect(await breakerState()).toBe('0');
  }, 30_000);
});
