import { redisUrl, uniquePrefix } from '@parley/bus/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { AccessChanges, type AccessChange } from './access-changes.js';

const redis = new Redis(redisUrl());
const channel = `${uniquePrefix('access-changes')}:hub:access-changes`;
afterAll(() => redis.disconnect());

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A replica's connection carries a name of its own, so a test can cut exactly its subscriber (Redis is shared). */
function replica(connectionName = uniquePrefix('replica'), otherChannels: string[] = []) {
  const events: Array<AccessChange | 'lost' | 'restored' | { notice: string; on: string }> = [];
  const connection = new Redis(redisUrl(), { connectionName });
  const changes = new AccessChanges(
    connection,
    channel,
    {
      changed: (change) => events.push(change),
      lost: () => events.push('lost'),
      restored: () => events.push('restored'),
      notice: (on, notice) => events.push({ notice, on }),
    },
    otherChannels,
  );
  const stop = () => {
    changes.stop();
    connection.disconnect();
  };
  return { changes, events, connectionName, stop };
}

describe('AccessChanges', () => {
  it('applies a change here at once and on every other replica through Redis', async () => {
    const a = replica();
    const b = replica();
    await Promise.all([a.changes.start(), b.changes.start()]);
    const change: AccessChange = { kind: 'key', keyId: 'k1', communityId: 'c1' };
    await a.changes.announce(change);
    expect(a.events).toContain(change);
    await until(() => b.events.some((event) => typeof event === 'object' && 'kind' in event && event.kind === 'key'), 'the notice on b');
    await redis.publish(channel, 'not json');
    await redis.publish(channel, JSON.stringify({ kind: 'community', communityId: 'c2' }));
    await until(() => b.events.some((event) => typeof event === 'object' && 'kind' in event && event.kind === 'community'), 'the community notice');
    expect(b.events.filter((event) => typeof event === 'object')).toEqual([change, { kind: 'community', communityId: 'c2' }]);
    a.stop();
    b.stop();
  });

  it('hands messages of its other channels to `notice`, on the same subscription', async () => {
    const configChanges = `${channel}:config-changes`;
    const a = replica(uniquePrefix('replica'), [configChanges]);
    await a.changes.start();
    await redis.publish(configChanges, '{"v":1,"communityId":"c3"}');
    await redis.publish(channel, JSON.stringify({ kind: 'community', communityId: 'c4' }));
    await until(() => a.events.length >= 3, 'the notice and the change');
    expect(a.events).toEqual(['restored', { notice: '{"v":1,"communityId":"c3"}', on: configChanges }, { kind: 'community', communityId: 'c4' }]);
    a.stop();
  });

  it('says "lost" when its subscription drops and "restored" once it is subscribed again', async () => {
    const a = replica();
    await a.changes.start();
    expect(a.events).toEqual(['restored']);
    const clients = (await redis.client('LIST')) as string;
    const ours = clients.split('\n').filter((line) => line.includes(` name=${a.connectionName} `) && / sub=1 /.test(line));
    expect(ours).toHaveLength(1);
    await redis.client('KILL', 'ID', /id=(\d+)/.exec(ours[0]!)![1]!);
    await until(() => a.events.includes('lost') && a.events.lastIndexOf('restored') > a.events.indexOf('lost'), 'lost, then restored');
    a.stop();
  });
});
