import { readFileSync } from 'node:fs';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { ChannelRepository, CommunityRepository } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { SlackFake } from '@parley/platform-fakes';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { distRoot, eventually, logDir } from './support.js';

/**
 * The Slack ingest as production runs it: the built router and ingest-slack as processes,
 * real Redis and PostgreSQL, the Slack fake delivering signed Events API requests to the
 * ingest's HTTP port and serving chat.postMessage to @slack/web-api.
 */
describe('Slack ingest against the fake, as processes', () => {
  const redis = new Redis(redisUrl());
  const apps: AppProcess[] = [];
  let fake: SlackFake;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await stopApps(apps.splice(0));
    await fake?.stop();
  });
  afterAll(async () => {
    redis.disconnect();
    await database?.drop();
  });

  async function world(name: string) {
    const prefix = uniquePrefix(`e2e-slack-${name}`);
    const keys = new StreamKeys(prefix, 2);
    fake = new SlackFake({ channelPaceMs: 300, burst: 2 });
    const apiUrl = await fake.start();
    const teams = ['TALPHA', 'TBETA'].map((team) => fake.install(`${team}${name.toUpperCase()}`));
    const communities = new CommunityRepository(database.pool);
    const channels = new ChannelRepository(database.pool);
    // Each workspace is its community's Slack channel: the team id selects the community.
    for (const team of teams) {
      const community = await communities.create({ slug: `slack-${name}-${team.teamId.toLowerCase()}`, name: team.teamId });
      await channels.create({ communityId: community.id, platform: 'slack', platformChannelId: team.teamId, name: team.teamId });
    }
    const env = { REDIS_URL: redisUrl(), DATABASE_URL: database.url, PARLEY_KEY_PREFIX: prefix, PARLEY_EVENT_PARTITIONS: '2', LOG_LEVEL: 'info' };
    const router = await launchApp('router', { distRoot, logDir, instance: `slack-${name}`, env });
    const ingest = await launchApp('ingest-slack', {
      distRoot,
      logDir,
      instance: `slack-${name}`,
      env: {
        ...env,
        SLACK_API_URL: apiUrl,
        SLACK_SIGNING_SECRET: fake.options.signingSecret,
        // Generous for a busy machine (the default, 1 s, keeps the acknowledgement well within Slack's 3 s).
        SLACK_USER_LOOKUP_TIMEOUT_MS: '2000',
        SLACK_WORKSPACES: JSON.stringify(Object.fromEntries(teams.map((team) => [team.teamId, { botToken: team.botToken, botUserId: team.botUserId }]))),
      },
    });
    apps.push(router, ingest);
    await waitUntilReady(apps, 60_000);
    fake.options.requestUrl = `http://127.0.0.1:${ingest.port}/slack/events`;
    const published = async (): Promise<ChatEvent[]> => {
      const events: ChatEvent[] = [];
      for (const stream of keys.allEventPartitions()) {
        for (const [, fields] of await redis.xrange(stream, '-', '+')) events.push(JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatEvent);
      }
      return events;
    };
    const post = async (body: string, headers: Record<string, string>) =>
      (await fetch(fake.options.requestUrl!, { method: 'POST', headers, body })).status;
    return { prefix, fake, teams, ingest, published, post, cleanup: () => deleteKeysWithPrefix(redis, prefix) };
  }

  it("answers !ping in each workspace with its own token, in the message's thread, and never answers its own post", async () => {
    const { fake, teams, ingest, published, cleanup } = await world('ping');
    const [alpha, beta] = teams as [ReturnType<SlackFake['install']>, ReturnType<SlackFake['install']>];
    const top = fake.userSay(alpha.teamId, 'C1', 'U1', '!ping');
    const inThread = fake.userSay(beta.teamId, 'C2', 'U2', `<@${beta.botUserId}> !ping`, { threadTs: '1700000000.000100' });
    await eventually(() => (fake.posted.length >= 2 ? true : undefined), 30_000, 'both answers');
    await fake.settled();
    expect(fake.posted.map(({ teamId, channel, text, threadTs }) => ({ teamId, channel, text, threadTs })).sort((a, b) => a.teamId.localeCompare(b.teamId))).toEqual([
      { teamId: alpha.teamId, channel: 'C1', text: 'Pong!', threadTs: top.ts },
      { teamId: beta.teamId, channel: 'C2', text: 'Pong!', threadTs: '1700000000.000100' },
    ]);
    // The message + app_mention pair of the second post was published once; the bot's echoed answers never.
    expect(inThread.eventIds).toHaveLength(2);
    const events = await published();
    expect(events.map((event) => event.author.id).sort()).toEqual(['U1', 'U2']);

    // The bot's own message (bot_id, no subtype) saying a command triggers nothing.
    fake.deliver(alpha.teamId, { type: 'message', channel: 'C1', user: alpha.botUserId, bot_id: alpha.botId, text: '!ping', ts: '1700000001.000100' });
    fake.userSay(alpha.teamId, 'C1', 'U1', '!ping');
    await eventually(() => (fake.posted.length >= 3 ? true : undefined), 30_000, 'the answer to the next viewer line');
    await fake.settled();
    expect(fake.posted).toHaveLength(3);
    expect((await published()).map((event) => event.author.id).sort()).toEqual(['U1', 'U1', 'U2']);

    // Roles come from users.info (cached): a workspace admin moderates, the owner is the broadcaster.
    // When Slack fails to answer, the message still goes through, its author counted as everyone.
    fake.addUser(alpha.teamId, 'UADMIN', { is_admin: true });
    fake.addUser(alpha.teamId, 'UOWNER', { is_owner: true, is_primary_owner: true });
    fake.userSay(alpha.teamId, 'C1', 'UADMIN', 'hello');
    fake.userSay(alpha.teamId, 'C1', 'UOWNER', 'hello');
    await fake.settled();
    fake.addUser(beta.teamId, 'UDOWN', { is_admin: true });
    fake.usersInfoFailures = 1;
    fake.userSay(beta.teamId, 'C2', 'UDOWN', 'hello while users.info fails');
    const rolesOf = await eventually(async () => {
      const roles = new Map((await published()).map((event) => [event.author.id, event.author.roles]));
      return roles.has('UADMIN') && roles.has('UOWNER') && roles.has('UDOWN') ? roles : undefined;
    }, 30_000, 'the three lines on the bus');
    expect([rolesOf.get('UADMIN'), rolesOf.get('UOWNER'), rolesOf.get('UDOWN')]).toEqual([['moderator', 'everyone'], ['broadcaster', 'everyone'], ['everyone']]);
    expect(readFileSync(ingest.logFile, 'utf8')).toMatch(/"userId":"UDOWN".*slack users\.info failed: the author counts as everyone/);
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.port}/metrics`)).text();
    expect(metrics).toMatch(/parley_slack_user_lookups_total\{outcome="failed"[^}]*\} 1/);
    await cleanup();
  }, 120_000);

  it('refuses bad, stale and tampered signatures with 401 and publishes nothing; a retried event is processed once', async () => {
    const { fake, teams, ingest, published, post, cleanup } = await world('sign');
    const team = teams[0]!;
    const body = JSON.stringify({
      type: 'event_callback',
      team_id: team.teamId,
      event_id: 'Ev0RETRIED',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'message', channel: 'C7', user: 'U7', text: '!ping', ts: `${Math.floor(Date.now() / 1000)}.000700` },
    });
    const now = Math.floor(Date.now() / 1000);
    expect(await post(body, { ...fake.sign(body), 'x-slack-signature': `v0=${'0'.repeat(64)}` })).toBe(401);
    expect(await post(body, fake.sign(body, now - 301))).toBe(401);
    expect(await post(body.replace('!ping', '!pong'), fake.sign(body))).toBe(401);
    expect(await post(body, { 'content-type': 'application/json' })).toBe(401);
    expect(await post('{"type":', fake.sign('{"type":'))).toBe(400);
    const huge = JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(300 * 1024) });
    expect(await post(huge, fake.sign(huge))).toBe(413);
    expect(await published()).toEqual([]);

    // Slack's retries of one delivery (same event_id, X-Slack-Retry-Num): one event, one answer.
    expect(await post(body, fake.sign(body))).toBe(200);
    for (const retryNum of [1, 2, 3]) expect(await post(body, { ...fake.sign(body), 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' })).toBe(200);
    await eventually(() => (fake.posted.length >= 1 ? true : undefined), 30_000, 'the answer');
    await eventually(async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${ingest.port}/metrics`)).text();
      return /parley_delivery_actions_total\{[^}]*outcome="sent"[^}]*\} 1/.test(metrics) ? metrics : undefined;
    }, 10_000, 'the delivery counted');
    expect(fake.posted.map((message) => message.text)).toEqual(['Pong!']);
    expect(await published()).toHaveLength(1);
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.port}/metrics`)).text();
    expect(metrics).toMatch(/parley_slack_requests_refused_total\{status="401",reason="signature mismatch"[^}]*\} 2/);
    expect(metrics).toMatch(/parley_slack_requests_refused_total\{status="401",reason="signature stale"[^}]*\} 1/);
    expect(metrics).toMatch(/parley_slack_events_ignored_total\{reason="duplicate"[^}]*\} 3/);
    await cleanup();
  }, 120_000);
});
