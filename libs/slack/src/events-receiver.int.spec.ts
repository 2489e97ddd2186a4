import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamProducer } from '@parley/bus';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { SlackFake } from '@parley/platform-fakes';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SlackEventsReceiver } from './events-receiver.js';
import { SlackAdapter } from './slack-adapter.js';
import { SlackUserRoles, type SlackUserLookup } from './user-roles.js';

const prefix = uniquePrefix('slack-events');
const keys = new StreamKeys(prefix, 2);
const redis = new Redis(redisUrl());
const producer = new StreamProducer(redis);
const fake = new SlackFake({ ackTimeoutMs: 300, retryDelaysMs: [0, 50, 50], channelPaceMs: 300, burst: 2 });
let server: Server;
let apiUrl: string;
/** Delays the next publish by this long, to make Slack retry a delivery. */
let publishDelayMs = 0;

const receiver = new SlackEventsReceiver({
  signingSecret: fake.options.signingSecret,
  workspace: (teamId) => {
    const installed = teamId === 'T1' ? workspace : undefined;
    return installed && { teamId, botUserId: installed.botUserId };
  },
  publish: async (event: ChatEvent) => {
    const delay = publishDelayMs;
    publishDelayMs = 0;
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
    return producer.publishOnce(keys.seen('slack', event.channel.id, event.id), 3_600, [{ stream: keys.eventStreamFor('slack', event.channel.id), payload: event }]);
  },
  roles: (teamId, userId) => userRoles.roles(teamId, userId),
});
/** Moves the roles cache's clock forward. */
let clockOffsetMs = 0;
let userRoles: SlackUserRoles;
const lookups: SlackUserLookup[] = [];
let workspace: ReturnType<SlackFake['install']>;

async function busEvents(): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for (const stream of keys.allEventPartitions()) {
    for (const [, fields] of await redis.xrange(stream, '-', '+')) events.push(JSON.parse(fields[fields.indexOf('payload') + 1]!) as ChatEvent);
  }
  return events;
}

async function post(body: string, headers: Record<string, string>): Promise<number> {
  return (await fetch(fake.options.requestUrl!, { method: 'POST', headers, body })).status;
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = await receiver.handle({ rawBody: Buffer.concat(chunks), headers: request.headers });
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  fake.options.requestUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  apiUrl = await fake.start();
  workspace = fake.install('T1');
  const adapter = new SlackAdapter({ apiUrl, workspace: (teamId) => (teamId === 'T1' ? workspace : undefined) });
  // Generous: the first call loads @slack/web-api's client, and the machine is busy.
  userRoles = new SlackUserRoles({ lookup: (teamId, userId) => adapter.userFlags(teamId, userId), timeoutMs: 10_000, now: () => Date.now() + clockOffsetMs });
  userRoles.on('lookup', (lookup) => lookups.push(lookup));
});
afterEach(async () => {
  await fake.settled();
  for (const stream of keys.allEventPartitions()) await redis.del(stream);
});
afterAll(async () => {
  await fake.stop();
  server.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('SlackEventsReceiver behind HTTP, against the Slack fake and real Redis', () => {
  it('answers url_verification with the challenge', async () => {
    const body = JSON.stringify({ type: 'url_verification', challenge: 'abc123', token: 'x' });
    const response = await fetch(fake.options.requestUrl!, { method: 'POST', headers: fake.sign(body), body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ challenge: 'abc123' });
  });

  it('publishes a member message once, even when it also arrives as an app_mention', async () => {
    const { ts } = fake.userSay('T1', 'C1', 'U1', `<@${workspace.botUserId}> !ping`);
    await fake.settled();
    const events = await busEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: `slack:T1/C1/${ts}`, platform: 'slack', channel: { id: 'T1', name: 'C1' }, author: { id: 'U1' }, text: '!ping', replyTo: ts });
  });

  it("gives authors their workspace roles from users.info, asking Slack once per member while cached", async () => {
    fake.addUser('T1', 'UOWNER', { is_primary_owner: true, is_owner: true });
    fake.addUser('T1', 'UADMIN', { is_admin: true });
    fake.addUser('T1', 'UGUEST', { is_restricted: true, is_admin: true });
    for (const user of ['UOWNER', 'UADMIN', 'UGUEST', 'UADMIN', 'UPLAIN']) fake.userSay('T1', 'C1', user, `hello from ${user}`);
    await fake.settled();
    const rolesOf = new Map((await busEvents()).map((event) => [event.author.id, event.author.roles]));
    expect(Object.fromEntries(rolesOf)).toEqual({
      UOWNER: ['broadcaster', 'everyone'],
      UADMIN: ['moderator', 'everyone'],
      UGUEST: ['everyone'],
      UPLAIN: ['everyone'],
    });
    expect(fake.usersInfoCalls.filter((call) => call === 'T1/UADMIN')).toHaveLength(1);
  });

  it('publishes the message of an author Slack cannot look up as everyone, says why, and asks again later', async () => {
    fake.addUser('T1', 'UMOD', { is_admin: true });
    fake.usersInfoFailures = 1;
    fake.userSay('T1', 'C1', 'UMOD', '!first');
    await fake.settled();
    expect((await busEvents()).map((event) => [event.text, event.author.roles])).toEqual([['!first', ['everyone']]]);
    expect(lookups.filter((lookup) => lookup.userId === 'UMOD')).toEqual([{ teamId: 'T1', userId: 'UMOD', outcome: 'failed', error: expect.stringMatching(/503/) }]);
    // Within the failure TTL Slack is not asked again; after it, the member's roles are found.
    fake.userSay('T1', 'C1', 'UMOD', '!second');
    await fake.settled();
    clockOffsetMs += userRoles.options.failureTtlMs;
    fake.userSay('T1', 'C1', 'UMOD', '!third');
    await fake.settled();
    expect((await busEvents()).map((event) => [event.text, event.author.roles])).toEqual([
      ['!first', ['everyone']],
      ['!second', ['everyone']],
      ['!third', ['moderator', 'everyone']],
    ]);
    expect(fake.usersInfoCalls.filter((call) => call === 'T1/UMOD')).toHaveLength(2);
  });

  it('processes a delivery Slack retried (no 2xx within 3 s) once', async () => {
    publishDelayMs = 600;
    fake.userSay('T1', 'C1', 'U2', '!hello');
    await fake.settled();
    const attempts = fake.deliveries.filter((delivery) => delivery.retryNum > 0);
    expect(attempts.length).toBeGreaterThan(0);
    expect(await busEvents()).toHaveLength(1);
  });

  it("never publishes the bot's own posts, other bots' posts, edits or other workspaces' events", async () => {
    const client = new WebClient(workspace.botToken, { slackApiUrl: apiUrl });
    await client.chat.postMessage({ channel: 'C1', text: 'Pong!' });
    fake.deliver('T1', { type: 'message', subtype: 'bot_message', bot_id: 'B9', channel: 'C1', text: '!ping', ts: '1.000001' });
    fake.deliver('T1', { type: 'message', subtype: 'message_changed', channel: 'C1', message: { text: '!ping' }, ts: '1.000002' });
    fake.deliver('T9', { type: 'message', channel: 'C1', user: 'U1', text: '!ping', ts: '1.000003' });
    await fake.settled();
    expect(await busEvents()).toEqual([]);
  });

  it('refuses bad, stale and tampered signatures with 401 and publishes nothing; 413 and 400 for oversized and malformed bodies', async () => {
    const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: 'EvX', event: { type: 'message', channel: 'C1', user: 'U1', text: '!ping', ts: '2.000001' } });
    const now = Math.floor(Date.now() / 1000);
    expect(await post(body, { ...fake.sign(body), 'x-slack-signature': 'v0=00' })).toBe(401);
    expect(await post(body, fake.sign(body, now - 600))).toBe(401);
    expect(await post(body.replace('!ping', '!pong'), fake.sign(body))).toBe(401);
    expect(await post(body, { 'content-type': 'application/json' })).toBe(401);
    const huge = JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(300 * 1024) });
    expect(await post(huge, fake.sign(huge))).toBe(413);
    expect(await post('{"type":', fake.sign('{"type":'))).toBe(400);
    expect(await busEvents()).toEqual([]);
    expect(await post(body, fake.sign(body))).toBe(200);
    expect(await busEvents()).toHaveLength(1);
  });

  it('chat.postMessage through @slack/web-api waits out 429 Retry-After: every message posted once', async () => {
    const client = new WebClient(workspace.botToken, { slackApiUrl: apiUrl });
    const before = fake.posted.length;
    await Promise.all(Array.from({ length: 4 }, (_, i) => client.chat.postMessage({ channel: 'C2', text: `answer ${i}` })));
    const texts = fake.posted.slice(before).map((message) => message.text).sort();
    expect(texts).toEqual(['answer 0', 'answer 1', 'answer 2', 'answer 3']);
    expect(fake.rateLimited).toBeGreaterThan(0);
  }, 20_000);
});
