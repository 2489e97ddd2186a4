import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { SharedTokenProvider, TokenRefreshError } from '@parley/ingest';
import { YouTubeFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { GoogleTokenIssuer } from './google-token.js';

const prefix = uniquePrefix('google-token');
const redis = new Redis(redisUrl());
const fake = new YouTubeFake();
const clients: Redis[] = [];
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await fake.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('GoogleTokenIssuer with the kit’s SharedTokenProvider', () => {
  it('refreshes the bot token once for three pods asking at once, and every pod uses the result', async () => {
    const { restUrl } = await fake.start();
    const tokenUrl = restUrl.replace(/youtube\/v3$/, 'token');
    fake.addRefreshToken('1//bot-refresh', { clientId: 'client', clientSecret: 'secret', credential: { project: 'deployment', channelId: 'UCbot' } });
    const issuer = new GoogleTokenIssuer({ clientId: 'client', clientSecret: 'secret', tokenUrl, requestTimeoutMs: 5_000 });
    const pods = ['pod-0', 'pod-1', 'pod-2'].map(
      (holder) => new SharedTokenProvider(clients[clients.push(new Redis(redisUrl())) - 1]!, issuer, { keyPrefix: prefix, platform: 'youtube', holder, account: 'UCbot', initialRefreshToken: '1//bot-refresh' }),
    );
    const tokens = await Promise.all(pods.flatMap((pod) => [pod.accessToken(), pod.accessToken()]));
    expect(fake.issuedTokens).toHaveLength(1);
    expect(new Set(tokens)).toEqual(new Set(fake.issuedTokens));
    // The secret and the tokens never appear in a refusal.
    const refused = await new GoogleTokenIssuer({ clientId: 'client', clientSecret: 'wrong-secret', tokenUrl, requestTimeoutMs: 5_000 })
      .refresh('1//bot-refresh')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TokenRefreshError);
    expect((refused as TokenRefreshError).message).toBe('google token refresh failed: HTTP 400 invalid_grant');
    expect((refused as TokenRefreshError).retryable).toBe(false);
  });
});
