import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { TwitchAuthFake, TwitchTmiFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedTokenProvider } from '@parley/ingest';
import { RefreshingAuthProvider, TwitchAppTokenIssuer } from './auth-provider.js';
import { TwitchTokenError } from './errors.js';
import { TmiConnection } from './tmi-connection.js';

const redis = new Redis(redisUrl());
const prefixes: string[] = [];
const auth = new TwitchAuthFake({ expiresInSeconds: 2 });
let tokenUrl: string;

beforeAll(async () => {
  tokenUrl = await auth.start();
});
afterAll(async () => {
  await auth.stop();
  for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

/** Three pods of one bot account, sharing Redis. */
function pods(count = 3, refreshToken = auth.issueRefreshToken()) {
  const prefix = uniquePrefix('twitch-auth');
  prefixes.push(prefix);
  return Array.from(
    { length: count },
    (_, i) =>
      new RefreshingAuthProvider(redis, {
        keyPrefix: prefix,
        holder: `pod-${i}`,
        account: 'ParleyBot',
        clientId: auth.options.clientId,
        clientSecret: auth.options.clientSecret,
        initialRefreshToken: refreshToken,
        tokenUrl,
        validateUrl: tokenUrl.replace('/oauth2/token', '/oauth2/validate'),
        refreshMarginMs: 1_000,
        backoff: { baseMs: 20, maxMs: 100 },
      }),
  );
}

describe('RefreshingAuthProvider', () => {
  it('refreshes once for all pods, and again once when the token nears expiry', async () => {
    const providers = pods();
    const before = auth.refreshCount;
    const first = await Promise.all(providers.flatMap((provider) => [provider.accessToken(), provider.accessToken()]));
    expect(auth.refreshCount - before).toBe(1);
    expect(new Set(first).size).toBe(1);
    expect(auth.isValid(first[0]!)).toBe(true);

    // Within the margin of its 2 s lifetime: due again.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = await Promise.all(providers.map((provider) => provider.accessToken()));
    expect(auth.refreshCount - before).toBe(2);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
  });

  it('retries a failing token endpoint with backoff and tells what failed without any secret', async () => {
    const refreshToken = auth.issueRefreshToken();
    const [provider] = pods(1, refreshToken);
    const failures: TwitchTokenError[] = [];
    provider!.on('refreshFailed', (error) => failures.push(error));
    auth.failNext(2);
    const token = await provider!.accessToken();
    expect(auth.isValid(token)).toBe(true);
    expect(failures.map((error) => [error.status, error.retryable])).toEqual([
      [503, true],
      [503, true],
    ]);
    for (const error of failures) {
      expect(error.message).not.toContain(refreshToken);
      expect(error.message).not.toContain(auth.options.clientSecret);
    }
  });

  it('gives up at once on a refresh token Twitch refuses', async () => {
    const [provider] = pods(1, 'revoked-refresh-token');
    const error = await provider!.accessToken().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TwitchTokenError);
    expect((error as TwitchTokenError).status).toBe(400);
    expect((error as TwitchTokenError).message).toBe('token refresh failed: HTTP 400 Invalid refresh token');
  });

  it('replaces a token Twitch refuses at login, once for all pods, and the connection gets in', async () => {
    const tmi = new TwitchTmiFake({ acceptToken: (_login, token) => auth.isValid(token) });
    const { ircUrl } = await tmi.start();
    const [provider, otherPod] = pods(2);
    const revoked = await provider!.accessToken();
    auth.revoke(revoked);
    const before = auth.refreshCount;
    const connection = new TmiConnection({ url: ircUrl, login: 'parleybot', token: provider! });
    try {
      await connection.connect();
      expect(auth.refreshCount - before).toBe(1);
      const fresh = await otherPod!.accessToken();
      expect(fresh).not.toBe(revoked);
      expect(auth.isValid(fresh)).toBe(true);
      // A late report of the old refusal does not throw the fresh token away.
      await otherPod!.refused(revoked);
      expect(await provider!.accessToken()).toBe(fresh);
      expect(auth.refreshCount - before).toBe(1);
    } finally {
      await connection.close();
      await tmi.stop();
    }
  });

  it('validates the token in use, and replaces it once Twitch says it was revoked', async () => {
    const [provider] = pods(1);
    const token = await provider!.accessToken();
    const validationsBefore = auth.validateCount;
    expect(await provider!.validate()).toBe('valid');
    const refreshesBefore = auth.refreshCount;
    auth.revoke(token);
    let invalidated = 0;
    provider!.on('invalidated', () => invalidated++);
    expect(await provider!.validate()).toBe('invalid');
    expect(auth.validateCount - validationsBefore).toBe(2);
    const fresh = await provider!.accessToken();
    expect(fresh).not.toBe(token);
    expect(auth.isValid(fresh)).toBe(true);
    expect(auth.refreshCount - refreshesBefore).toBe(1);
    expect(invalidated).toBe(1);
  });

  it('gives a TMI connection a token the server accepts at every connect', async () => {
    const tmi = new TwitchTmiFake({ acceptToken: (_login, token) => auth.isValid(token) });
    const { ircUrl } = await tmi.start();
    const [provider] = pods(1);
    const connection = new TmiConnection({ url: ircUrl, login: 'parleybot', token: provider! });
    try {
      await connection.connect();
      await connection.join('authroom');
      expect(tmi.joinedLogins('authroom')).toEqual(['parleybot']);
    } finally {
      await connection.close();
      await tmi.stop();
    }
  });
});

describe('TwitchAppTokenIssuer under the shared token', () => {
  it('fetches the app access token (client credentials) once for all pods, and again once when it nears expiry', async () => {
    const prefix = uniquePrefix('twitch-app-token');
    prefixes.push(prefix);
    const issuer = new TwitchAppTokenIssuer({ clientId: auth.options.clientId, clientSecret: auth.options.clientSecret, tokenUrl, validateUrl: tokenUrl.replace('/oauth2/token', '/oauth2/validate'), requestTimeoutMs: 5_000 });
    const providers = Array.from(
      { length: 3 },
      (_, i) =>
        new SharedTokenProvider(redis, issuer, {
          keyPrefix: prefix,
          platform: 'twitch-app',
          holder: `pod-${i}`,
          account: auth.options.clientId,
          initialRefreshToken: TwitchAppTokenIssuer.NO_REFRESH_TOKEN,
          refreshMarginMs: 1_000,
        }),
    );
    const before = auth.appTokenCount;
    const first = await Promise.all(providers.flatMap((provider) => [provider.accessToken(), provider.accessToken()]));
    expect(auth.appTokenCount - before).toBe(1);
    expect(new Set(first).size).toBe(1);
    // Within the margin of its 2 s lifetime: due again, fetched by one pod.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const second = await Promise.all(providers.map((provider) => provider.accessToken()));
    expect(auth.appTokenCount - before).toBe(2);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
  });
});
