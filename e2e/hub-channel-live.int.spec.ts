import { LiveStateStore } from '@parley/youtube/live-state';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubHarness } from './hub-support.js';

let hub: HubHarness;
let community: { id: string; key: string };
beforeAll(async () => {
  hub = await startHub();
  community = await hub.community('live-state', ['read', 'write']);
});
afterAll(() => hub?.close());

const call = (method: string, path: string, body?: unknown) => hub.request(method, `/v1/communities/${community.id}${path}`, { token: community.key, body });

describe('GET …/channels/{id}/live: the live state the ingest pods report', () => {
  it("shows a YouTube channel's status and the chat being read, unknown while no pod reports it, and 404 for another community's channel", async () => {
    const channel = (await call('POST', '/channels', { platform: 'youtube', platformChannelId: 'UClive', name: 'Live streamer' })).body;
    const before = await call('GET', `/channels/${channel.id}/live`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ status: 'unknown', liveChatId: null, reason: 'no ingest pod follows this channel now' });

    const now = new Date().toISOString();
    await new LiveStateStore(hub.redis, hub.keys.prefix).write({
      channelId: 'UClive',
      status: 'live',
      liveChatId: 'chat-UClive-1',
      reading: 'streaming',
      project: 'default',
      since: now,
      updatedAt: now,
      pod: 'ingest-youtube-0',
    });
    const live = await call('GET', `/channels/${channel.id}/live`);
    expect(live.body).toMatchObject({ channelId: channel.id, platform: 'youtube', platformChannelId: 'UClive', status: 'live', liveChatId: 'chat-UClive-1', reading: 'streaming', pod: 'ingest-youtube-0' });

    const twitch = (await call('POST', '/channels', { platform: 'twitch', platformChannelId: 'room-live', name: 'streamer' })).body;
    expect((await call('GET', `/channels/${twitch.id}/live`)).body).toMatchObject({ status: 'unknown', reason: 'only YouTube channels report a live state' });

    const other = await hub.community('live-state-other', ['read']);
    const refused = await hub.request('GET', `/v1/communities/${other.id}/channels/${channel.id}/live`, { token: other.key });
    expect(refused.status).toBe(404);
    expect(String(refused.headers['content-type'])).toMatch(/application\/problem\+json/);
  });
});
