import { SlackFake } from '@parley/platform-fakes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSlackMessageId, slackMessageId } from './message-id.js';
import { SlackAdapter } from './slack-adapter.js';

const fake = new SlackFake({ channelPaceMs: 1_000, burst: 1 });
let adapter: SlackAdapter;
let t1: ReturnType<SlackFake['install']>;
let t2: ReturnType<SlackFake['install']>;

beforeAll(async () => {
  const apiUrl = await fake.start();
  t1 = fake.install('T1');
  t2 = fake.install('T2');
  const tokens = new Map([
    ['T1', t1.botToken],
    ['T2', t2.botToken],
  ]);
  adapter = new SlackAdapter({ apiUrl, workspace: (teamId) => (tokens.has(teamId) ? { botToken: tokens.get(teamId)! } : undefined) });
});
afterAll(() => fake.stop());

const send = async (message: Parameters<SlackAdapter['send']>[0]) => adapter.confirm(await adapter.send(message, 0), 5_000);

describe('SlackAdapter against the Slack fake (@slack/web-api)', () => {
  it("posts with each workspace's own token; a reply goes into the message's thread", async () => {
    const top = slackMessageId({ teamId: 'T1', channel: 'C1', ts: '1700000000.000100' });
    const inThread = slackMessageId({ teamId: 'T2', channel: 'C9', ts: '1700000000.000300', threadTs: '1700000000.000200' });
    expect(await send({ kind: 'reply', channel: 'C1', channelId: 'T1', text: 'Pong!', targetMessageId: top })).toMatchObject({ status: 'accepted' });
    expect(await send({ kind: 'reply', channel: 'C9', channelId: 'T2', text: 'Pong!', targetMessageId: inThread })).toMatchObject({ status: 'accepted' });
    expect(fake.posted.slice(-2)).toMatchObject([
      { teamId: 'T1', channel: 'C1', text: 'Pong!', threadTs: '1700000000.000100' },
      { teamId: 'T2', channel: 'C9', text: 'Pong!', threadTs: '1700000000.000200' },
    ]);
    expect(parseSlackMessageId(inThread)).toEqual({ teamId: 'T2', channel: 'C9', ts: '1700000000.000300', threadTs: '1700000000.000200' });
  });

  it("turns Slack's 429 into a refusal for later with its Retry-After, and refuses what cannot work for good", async () => {
    expect(await send({ kind: 'say', channel: 'C5', channelId: 'T1', text: 'one' })).toMatchObject({ status: 'accepted' });
    expect(await send({ kind: 'say', channel: 'C5', channelId: 'T1', text: 'two' })).toEqual({ status: 'refused', reason: 'ratelimited', retry: 'later', retryAfterMs: 1_000 });
    expect(await send({ kind: 'say', channel: 'C5', channelId: 'T7', text: 'nowhere' })).toMatchObject({ status: 'refused', reason: 'workspace_not_installed', retry: 'never' });
    await expect(adapter.send({ kind: 'timeout', channel: 'C5', channelId: 'T1', text: '', targetUserId: 'U1', durationSeconds: 60 }, 0)).rejects.toMatchObject({ code: 'unsupported_action' });
  });
});
