import { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents } from '@discordjs/ws';
import { GatewayIntentBits, type GatewayDispatchPayload } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordFake, type DiscordFakeOptions } from './discord/discord-fake.js';

/** discord.js's own gateway and REST clients, unchanged, against the Discord fake. */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function connect(options: Partial<DiscordFakeOptions> = {}) {
  const fake = new DiscordFake({ shards: 2, maxConcurrency: 2, ...options });
  const { apiUrl } = await fake.start();
  cleanups.push(() => fake.stop());
  const rest = new REST({ api: apiUrl, version: '10' }).setToken(fake.options.token);
  const manager = new WebSocketManager({
    token: fake.options.token,
    intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.MessageContent,
    rest,
  });
  const messages: Array<{ content: string; shardId: number }> = [];
  manager.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload, shardId: number) => {
    if (payload.t === 'MESSAGE_CREATE') messages.push({ content: payload.d.content, shardId });
  });
  const errors: Error[] = [];
  manager.on(WebSocketShardEvents.Error, (error: Error) => errors.push(error));
  cleanups.push(async () => manager.destroy());
  return { fake, rest, manager, messages, errors };
}

/** A guild id whose events go to `shard` of 2. */
function guildOn(fake: DiscordFake, shard: number): string {
  for (;;) {
    const id = fake.snowflake();
    if (fake.shardOf(id) === shard) return id;
  }
}

const viewer = { id: '200000000000000002', username: 'viewer' };

describe('@discordjs/ws and @discordjs/rest against the Discord fake', () => {
  it('identifies every shard /gateway/bot recommends and gets each guild on its shard', async () => {
    const { fake, manager, messages } = await connect();
    await manager.connect();
    expect(fake.connectedShards()).toEqual([0, 1]);
    fake.memberSay(guildOn(fake, 0), '300', viewer, 'on zero');
    fake.memberSay(guildOn(fake, 1), '301', viewer, 'on one');
    await expect.poll(() => [...messages].sort((a, b) => a.shardId - b.shardId)).toEqual([
      { content: 'on zero', shardId: 0 },
      { content: 'on one', shardId: 1 },
    ]);
  });

  it('resumes after RECONNECT and after a dropped socket, replaying what was sent meanwhile', async () => {
    const { fake, manager, messages } = await connect({ shards: 1 });
    await manager.connect();
    const guild = guildOn(fake, 0);
    const resumes: number[] = [];
    fake.on('resume', ({ replayed }) => resumes.push(replayed));
    fake.requestReconnect();
    fake.memberSay(guild, '300', viewer, 'during reconnect');
    await expect.poll(() => resumes.length).toBe(1);
    fake.dropConnections();
    fake.memberSay(guild, '300', viewer, 'while dropped');
    await expect.poll(() => resumes.length, { timeout: 10_000 }).toBe(2);
    fake.memberSay(guild, '300', viewer, 'after');
    await expect.poll(() => messages.map((message) => message.content)).toEqual(['during reconnect', 'while dropped', 'after']);
  });

  it('stops a shard closed with a fatal code (4004) instead of reconnecting', async () => {
    const { fake, manager, errors } = await connect({ shards: 1 });
    await manager.connect();
    const closed: number[] = [];
    manager.on(WebSocketShardEvents.Closed, (code: number) => closed.push(code));
    let identifies = 0;
    fake.on('identify', () => identifies++);
    fake.closeAll(4004, 'Authentication failed.');
    await expect.poll(() => closed).toContain(4004);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(identifies).toBe(0);
    expect(fake.connectedShards()).toEqual([]);
    expect(errors.map((error) => error.message)).toContain('Authentication failed');
  });

  it('REST absorbs a 429 storm: every message is created once', async () => {
    const { fake, rest } = await connect({ shards: 1, restLimit: 1_000 });
    fake.rateLimitNext(6);
    await Promise.all(
      Array.from({ length: 3 }, (_, i) => rest.post('/channels/300/messages', { body: { content: `answer ${i}`, allowed_mentions: { parse: [] } } })),
    );
    const created = fake.rest.filter((call) => call.method === 'POST' && call.status === 200).map((call) => call.body?.['content']);
    expect(created.sort()).toEqual(['answer 0', 'answer 1', 'answer 2']);
    expect(fake.rest.filter((call) => call.status === 429)).toHaveLength(6);
  });
});
