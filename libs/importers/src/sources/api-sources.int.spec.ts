import { readFileSync } from 'node:fs';
import { NightbotApiFake, StreamElementsApiFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError } from '../errors.js';
import { exchangeNightbotCode, nightbotAuthorizeUrl, readNightbot } from './nightbot.js';
import { readStreamElements } from './streamelements.js';

const json = (path: string) => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));

async function failure(promise: Promise<unknown>): Promise<ImportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
}

describe('Nightbot over its API (fake)', () => {
  const fake = new NightbotApiFake({ redirectUris: ['http://127.0.0.1:9/callback'] });
  let baseUrl: string;
  const app = () => ({ clientId: fake.options.clientId, clientSecret: fake.options.clientSecret, redirectUri: 'http://127.0.0.1:9/callback', baseUrl });

  beforeAll(async () => {
    baseUrl = await fake.start();
    fake.setCommands(json('nightbot/commands.json').commands);
    fake.setTimers(json('nightbot/timers.json').timers);
  });
  afterAll(() => fake.stop());

  it('authorization-code flow, then reads commands and timers with the Bearer token only', async () => {
    const consent = await fetch(nightbotAuthorizeUrl(app(), 'state-123'), { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('state-123');
    const { accessToken, scopes } = await exchangeNightbotCode(app(), back.searchParams.get('code')!);
    expect(scopes).toEqual(['commands', 'timers']);

    const bundle = await readNightbot({ token: accessToken, baseUrl });
    expect(bundle.commands).toHaveLength(11);
    expect(bundle.timers).toHaveLength(3);
    const reads = fake.requests.filter((request) => request.path.startsWith('/1/'));
    expect(reads.map((request) => [request.path, request.scheme, request.tokenInQuery, request.status])).toEqual([
      ['/1/commands', 'Bearer', false, 200],
      ['/1/timers', 'Bearer', false, 200],
    ]);
    await expect(exchangeNightbotCode(app(), back.searchParams.get('code')!)).rejects.toMatchObject({ code: 'source-auth' });
  });

  it('a token without the timers scope, or a revoked one, is a source-auth error that never shows the token', async () => {
    const narrow = fake.issueToken(['commands']);
    const error = await failure(readNightbot({ token: narrow, baseUrl }));
    expect(error.code).toBe('source-auth');
    expect(error.message).toMatch(/HTTP 403/u);
    expect(error.message).not.toContain(narrow);
    const revoked = fake.issueToken(['commands', 'timers']);
    fake.revoke(revoked);
    expect((await failure(readNightbot({ token: revoked, baseUrl }))).message).toMatch(/HTTP 401/u);
  });

  it('malformed and oversized answers are clear errors, not crashes', async () => {
    const token = fake.issueToken(['commands', 'timers']);
    const other = new NightbotApiFake();
    const otherUrl = await other.start();
    try {
      const otherToken = other.issueToken(['commands', 'timers']);
      other.setRawResponse('/1/commands', '{"_total": 1, "commands": [');
      expect(await failure(readNightbot({ token: otherToken, baseUrl: otherUrl }))).toMatchObject({ code: 'malformed' });
      other.setRawResponse('/1/commands', JSON.stringify({ commands: [{ _id: 'x', name: '!x', message: 'y'.repeat(10 * 1024 * 1024) }] }));
      expect(await failure(readNightbot({ token: otherToken, baseUrl: otherUrl }))).toMatchObject({ code: 'too-large', message: expect.stringMatching(/MB/u) });
    } finally {
      await other.stop();
    }
    expect(await failure(readNightbot({ token, baseUrl: 'http://127.0.0.1:9', timeoutMs: 2_000 }))).toMatchObject({ code: 'source-unavailable' });
  });
});

describe('StreamElements over its API (fake)', () => {
  const fake = new StreamElementsApiFake();
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = `${await fake.start()}/kappa/v2`;
    fake.setChannel(json('streamelements/channel.json'));
    fake.setCommands(json('streamelements/commands.json'));
    fake.setTimers(json('streamelements/timers.json'));
    fake.setQuotes(json('streamelements/quotes.json').quotes);
    fake.setCounters(json('streamelements/counters.json'));
  });
  afterAll(() => fake.stop());

  it('reads everything with the dashboard JWT, paging through quotes', async () => {
    const bundle = await readStreamElements({ credential: { kind: 'jwt', token: fake.issueJwt() }, baseUrl, pageSize: 2 });
    expect(bundle.commands).toHaveLength(8);
    expect(bundle.timers).toHaveLength(2);
    expect(bundle.quotes.map((quote) => quote.number)).toEqual([1, 2, 4]);
    expect(bundle.counters).toHaveLength(2);
    expect(fake.requests.filter((request) => request.path.includes('/quotes/')).length).toBe(2);
    expect(fake.requests.every((request) => request.scheme === 'Bearer' && !request.tokenInQuery)).toBe(true);
  });

  it('reads with an OAuth token that has bot:read, and refuses one without it', async () => {
    const bundle = await readStreamElements({ credential: { kind: 'oauth', token: fake.issueOAuthToken(['bot:read', 'channel:read']) }, baseUrl });
    expect(bundle.commands).toHaveLength(8);
    expect(fake.requests.at(-1)!.scheme).toBe('oAuth');
    expect(await failure(readStreamElements({ credential: { kind: 'oauth', token: fake.issueOAuthToken(['channel:read']) }, baseUrl }))).toMatchObject({ code: 'source-auth' });
  });

  it('an expired, forged or other channel\'s JWT is refused', async () => {
    expect(await failure(readStreamElements({ credential: { kind: 'jwt', token: fake.issueJwt({ expiresInSeconds: -10 }) }, baseUrl }))).toMatchObject({ code: 'source-auth' });
    const forged = fake.issueJwt().replace(/\.[^.]+$/u, '.forged-signature');
    expect(await failure(readStreamElements({ credential: { kind: 'jwt', token: forged }, baseUrl }))).toMatchObject({ code: 'source-auth' });
    const elsewhere = fake.issueJwt({ channelId: '0123456789abcdef01234567' });
    expect(await failure(readStreamElements({ credential: { kind: 'jwt', token: elsewhere }, baseUrl }))).toMatchObject({ code: 'source-auth' });
  });
});
