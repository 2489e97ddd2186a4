import { TwitchTmiFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TmiConnectionPool } from './connection-pool.js';

const fake = new TwitchTmiFake();
let ircUrl: string;

beforeAll(async () => {
  ({ ircUrl } = await fake.start());
});
afterAll(() => fake.stop());

describe('TmiConnectionPool', () => {
  it('spreads channels over connections, at most channelsPerConnection each, and hears every one of them', async () => {
    const pool = new TmiConnectionPool({
      channelsPerConnection: 4,
      connection: { url: ircUrl, login: 'parleybot', token: 'secret', joinRateLimit: { count: 100, perMs: 1_000 } },
    });
    try {
      await pool.connect();
      const channels = Array.from({ length: 10 }, (_, i) => `poolroom${i}`);
      await Promise.all(channels.map((channel) => pool.join(channel)));
      expect(pool.size).toBe(3);
      expect(fake.connectionCount()).toBe(3);
      expect(pool.joinedChannels().sort()).toEqual([...channels].sort());
      for (const channel of channels) expect(fake.joinedConnections(channel)).toBe(1);

      const heard: string[] = [];
      pool.on('privmsg', (message) => heard.push(message.channel!));
      for (const channel of channels) fake.viewerSay(channel, { login: 'alice', text: 'hi' });
      await vi.waitFor(() => expect(heard.sort()).toEqual([...channels].sort()));

      pool.say('poolroom7', 'hello from the pool');
      await vi.waitFor(() => expect(fake.sentMessages('poolroom7').map((line) => line.text)).toEqual(['hello from the pool']));
    } finally {
      await pool.close();
    }
  });

  it('reuses the room a part leaves, and rejoins a dropped connection channels', async () => {
    const pool = new TmiConnectionPool({
      channelsPerConnection: 2,
      connection: { url: ircUrl, login: 'parleybot', token: 'secret', backoff: { baseMs: 10, maxMs: 50 } },
    });
    try {
      await pool.connect();
      await Promise.all(['dropa', 'dropb', 'dropc'].map((channel) => pool.join(channel)));
      expect(pool.size).toBe(2);
      await pool.part('dropa');
      await pool.join('dropd');
      expect(pool.size).toBe(2);
      expect(fake.joinedConnections('dropa')).toBe(0);

      fake.dropConnections();
      await vi.waitFor(() => expect(['dropb', 'dropc', 'dropd'].map((channel) => fake.joinedConnections(channel))).toEqual([1, 1, 1]), { timeout: 5_000 });
    } finally {
      await pool.close();
    }
  });

  it('refuses a pool that cannot hold a channel', () => {
    expect(() => new TmiConnectionPool({ channelsPerConnection: 0, connection: { url: ircUrl, login: 'parleybot', token: 'x' } })).toThrow(RangeError);
  });
});
