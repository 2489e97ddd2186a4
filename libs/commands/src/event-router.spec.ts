import type { BusEntry } from '@parley/bus';
import { StreamKeys, type ChatEvent } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import { ChannelConfigCache } from './config-cache.js';
import { CommandEngine } from './engine.js';
import { EventRouter, type ActionPublisher, type RoutedEvent } from './event-router.js';
import type { ChannelConfig } from './types.js';

const config: ChannelConfig = { communityId: 'community-1', channelId: 'channel-1', commandPrefix: '!', commands: [] };

function setUp() {
  const published: object[] = [];
  const publisher: ActionPublisher = {
    async publishOnce(_mark, _ttl, messages) {
      published.push(...messages.map((message) => message.payload));
      return true;
    },
  };
  const cache = new ChannelConfigCache(async () => config);
  const router = new EventRouter(new CommandEngine(), cache, publisher, { keys: new StreamKeys('event-router-spec', 1), maxEventAgeMs: 60_000 });
  const routed: RoutedEvent[] = [];
  router.on('routed', (event) => routed.push(event));
  return { router, published, routed, close: () => cache.close() };
}

function entry(extras?: ChatEvent['extras']): BusEntry {
  const now = new Date().toISOString();
  const event: ChatEvent = {
    v: 1,
    id: `youtube:LCC.${Math.random()}`,
    platform: 'youtube',
    channel: { id: 'UCstreamer', name: 'UCstreamer' },
    author: { id: 'UCviewer', name: 'Viewer', displayName: 'Viewer', roles: ['everyone'], isBot: false },
    text: '!ping',
    kind: 'message',
    sentAt: now,
    receivedAt: now,
    ...(extras && { extras }),
  };
  return { stream: 'events', id: '1-0', payload: event, deliveryCount: 1 };
}

describe('EventRouter and the backlog of a joined chat', () => {
  it('answers a command said after the join', async () => {
    const { router, published, routed, close } = setUp();
    await router.handle(entry({ type: 'textMessageEvent' }));
    expect(routed.map((event) => event.outcome)).toEqual(['answered']);
    expect(published).toHaveLength(1);
    close();
  });

  it('records, but never answers, a command said before the ingest joined the chat (extras.backlog)', async () => {
    const { router, published, routed, close } = setUp();
    await router.handle(entry({ type: 'textMessageEvent', backlog: true }));
    expect(routed).toEqual([expect.objectContaining({ outcome: 'backlog', communityId: 'community-1', channelId: 'channel-1' })]);
    expect(published).toEqual([]);
    close();
  });
});
