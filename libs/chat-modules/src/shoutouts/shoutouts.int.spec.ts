import { TwitchHelixProfilesFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Shoutouts, TwitchHelixProfiles } from './shoutouts.js';

describe('Shoutouts (Twitch Helix fake over HTTP)', () => {
  const helix = new TwitchHelixProfilesFake();
  let baseUrl: string;

  beforeAll(async () => {
    baseUrl = await helix.start();
    helix.addUser({ id: '1001', login: 'speedrunner', displayName: 'SpeedRunner', gameName: 'Celeste' });
    helix.addUser({ id: '1002', login: 'newbie', displayName: 'Newbie', gameName: '' });
  });
  afterAll(() => helix.close());

  const profiles = (clock: () => number = Date.now) =>
    new TwitchHelixProfiles({ baseUrl, clientId: helix.options.clientId, accessToken: async () => helix.options.accessToken, breaker: { volumeThreshold: 2, resetTimeoutMs: 60_000 } }, clock);

  it('Twitch: the profile link and the last category from Helix, cached', async () => {
    const shoutouts = new Shoutouts({ twitch: profiles() });
    const before = helix.requests;
    expect(await shoutouts.text('twitch', '@SpeedRunner')).toBe('Go show SpeedRunner some love: https://www.twitch.tv/speedrunner They were last seen in Celeste.');
    expect(helix.requests - before).toBe(2);
    // A raid of shoutouts asks Helix once.
    await shoutouts.text('twitch', 'speedrunner');
    expect(helix.requests - before).toBe(2);
    expect(await shoutouts.text('twitch', 'newbie')).toBe('Go show Newbie some love: https://www.twitch.tv/newbie');
    expect(await shoutouts.text('twitch', 'nobody_here')).toBe('There is no twitch user nobody_here.');
  });

  it('Helix down: the breaker opens, shoutouts go out with the link alone and stop asking', async () => {
    const lookup = profiles();
    const shoutouts = new Shoutouts({ twitch: lookup });
    helix.failNext(100);
    for (const user of ['a1', 'a2', 'a3']) expect(await shoutouts.text('twitch', user)).toBe(`Go show ${user} some love: https://www.twitch.tv/${user}`);
    expect(lookup.breaker.opossum.opened).toBe(true);
    const asked = helix.requests;
    expect(await shoutouts.text('twitch', 'speedrunner')).toBe('Go show speedrunner some love: https://www.twitch.tv/speedrunner');
    expect(helix.requests).toBe(asked);
    helix.failNext(0);
  });

  it('platforms without a lookup: the profile link where one exists, else the name', async () => {
    const shoutouts = new Shoutouts({});
    expect(await shoutouts.text('youtube', 'SomeCreator')).toBe('Go show SomeCreator some love: https://www.youtube.com/@SomeCreator');
    expect(await shoutouts.text('discord', 'pal')).toBe('Go show pal some love!');
  });
});
