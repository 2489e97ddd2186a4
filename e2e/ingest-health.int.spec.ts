import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { TwitchTmiFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir } from './support.js';

const CHANNELS = ['healthroom0', 'healthroom1', 'healthroom2'];
const MAX_SILENCE_MS = 2_000;

/**
 * One ingest-twitch process with three TMI connections (one channel each, PINGing every
 * 300 ms). The fake stops writing to one of them — its socket stays open, it simply goes
 * silent — and the pod must show it in the per-connection gauge and stop being ready.
 */
describe('a silent connection among several', () => {
  const prefix = uniquePrefix('e2e-health');
  const fake = new TwitchTmiFake();
  const redis = new Redis(redisUrl());
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    const { ircUrl } = await fake.start();
    apps.push(
      await launchApp('ingest-twitch', {
        distRoot,
        logDir,
        instance: 'health',
        env: {
          REDIS_URL: redisUrl(),
          PARLEY_KEY_PREFIX: prefix,
          TWITCH_IRC_URL: ircUrl,
          TWITCH_BOT_LOGIN: 'parleybot',
          TWITCH_OAUTH_TOKEN: 'e2e-token',
          TWITCH_CHANNELS: CHANNELS.join(','),
          TWITCH_CHANNELS_PER_CONNECTION: '1',
          TWITCH_PING_INTERVAL_MS: '300',
          INGEST_MAX_SILENCE_MS: String(MAX_SILENCE_MS),
          LOG_LEVEL: 'warn',
        },
      }),
    );
    await waitUntilReady(apps, 60_000);
  });

  afterAll(async () => {
    await stopApps(apps);
    await fake.stop();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  const url = (path: string) => `http://127.0.0.1:${apps[0]!.port}${path}`;
  async function ages(): Promise<Map<string, number>> {
    const text = await (await fetch(url('/metrics'))).text();
    const series = new Map<string, number>();
    for (const line of text.split('\n')) {
      const match = /^parley_ingest_connection_last_event_age_seconds\{.*connection="(\d+)".*\} (\S+)$/.exec(line);
      if (match) series.set(match[1]!, Number(match[2]));
    }
    return series;
  }
  const oldest = async () => {
    const match = /^parley_twitch_last_event_age_seconds(?:\{[^}]*\})? (\S+)$/m.exec(await (await fetch(url('/metrics'))).text());
    return Number(match?.[1]);
  };

  it('shows the silent connection in the gauge, and the pod is not ready after the configured silence', async () => {
    await eventually(async () => ((await ages()).size === 3 ? true : undefined), 10_000, 'three connections in the gauge');
    expect(Math.max(...(await ages()).values())).toBeLessThan(MAX_SILENCE_MS / 1_000);

    const target = fake.connections().find((connection) => connection.channels.includes(CHANNELS[1]!))!;
    fake.silence(target.id);
    const silencedAt = Date.now();
    await eventually(async () => ((await fetch(url('/readyz'))).status === 503 ? true : undefined), 10_000, 'the pod not ready');
    const notReadyAfterMs = Date.now() - silencedAt;
    const series = await ages();
    const silent = [...series.values()].filter((age) => age > MAX_SILENCE_MS / 1_000);
    const fresh = [...series.values()].filter((age) => age < 1);
    expect(silent).toHaveLength(1);
    expect(fresh).toHaveLength(2);
    // The pod's own age is the oldest, not the freshest.
    expect(await oldest()).toBeGreaterThan(MAX_SILENCE_MS / 1_000);
    expect(notReadyAfterMs).toBeGreaterThanOrEqual(MAX_SILENCE_MS - 500);
    console.log(`silent connection: not ready ${notReadyAfterMs} ms after it went silent (INGEST_MAX_SILENCE_MS=${MAX_SILENCE_MS}); ages ${JSON.stringify(Object.fromEntries(series))}`);

    // No PONG within the timeout: the connection is replaced, and the pod is ready again.
    await eventually(async () => ((await fetch(url('/readyz'))).ok ? true : undefined), 30_000, 'ready again after the reconnect');
  }, 60_000);
});
