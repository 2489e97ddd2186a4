import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { decodeChatEvent } from '@parley/contracts';
import { TwitchTmiFake, type TwitchTmiFakeOptions } from '@parley/platform-fakes';
import { afterEach, describe, expect, it } from 'vitest';
import { IrcParseError, TmiAuthError, TmiClosedError, TmiJoinError, TmiNotConnectedError } from './errors.js';
import type { IrcMessage } from './irc-message.js';
import { normalizePrivmsg } from './normalize.js';
import { MAX_MESSAGE_CHARS, TmiConnection, type TmiConnectionEvents, type TmiConnectionOptions } from './tmi-connection.js';

const CHANNEL = 'demo';
const BOT = 'parleybot';
const WAIT_MS = 3_000;
/** Small timings so reconnect paths run in milliseconds. */
const FAST = { backoff: { baseMs: 10, maxMs: 50 }, connectTimeoutMs: 1_000, joinTimeoutMs: 1_000 } satisfies Partial<TmiConnectionOptions>;

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
});

async function startFake(options: Partial<TwitchTmiFakeOptions> = {}) {
  const fake = new TwitchTmiFake(options);
  const urls = await fake.start();
  cleanups.push(() => fake.stop());
  return { fake, ...urls };
}

function connection(options: TmiConnectionOptions): TmiConnection {
  const tmi = new TmiConnection({ ...FAST, ...options });
  cleanups.push(() => tmi.close());
  return tmi;
}

function next<K extends keyof TmiConnectionEvents>(tmi: TmiConnection, event: K): Promise<TmiConnectionEvents[K]> {
  return once(tmi as never, event, { signal: AbortSignal.timeout(WAIT_MS) }) as Promise<TmiConnectionEvents[K]>;
}

function nextFake<K extends 'join' | 'clientMessage'>(fake: TwitchTmiFake, event: K) {
  return once(fake, event, { signal: AbortSignal.timeout(WAIT_MS) });
}

/** Fails fast instead of at the test timeout when something never happens. */
function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Records every event the connection emits, in order. */
function eventLog(tmi: TmiConnection): string[] {
  const log: string[] = [];
  for (const event of ['connected', 'disconnected', 'reconnecting'] as const) tmi.on(event, () => log.push(event));
  return log;
}

describe.each(['irc', 'ws'] as const)('TmiConnection over %s against the TMI fake', (transport) => {
  it('connects, joins, receives chat, and sends messages and replies', async () => {
    const { fake, ircUrl, wsUrl } = await startFake({ moderators: { [CHANNEL]: [BOT] } });
    const tmi = connection({ url: transport === 'irc' ? ircUrl : wsUrl, login: 'ParleyBot', token: 'secret' });
    const connected = next(tmi, 'connected');
    await tmi.connect();
    await connected;
    expect(tmi.lastEventAt).toBeGreaterThan(Date.now() - WAIT_MS);

    await tmi.join('#Demo');
    expect(tmi.joinedChannels()).toEqual([CHANNEL]);
    expect(fake.joinedLogins(CHANNEL)).toEqual([BOT]);
    await expect.poll(() => tmi.isModeratorIn(CHANNEL)).toBe(true);

    const received = next(tmi, 'privmsg');
    const id = fake.viewerSay(CHANNEL, { login: 'alice', displayName: 'Alice', badges: 'subscriber/3', text: '!ping; with \\ specials' });
    const [message] = (await received) as [IrcMessage];
    expect(message.text).toBe('!ping; with \\ specials');
    expect(message.nick).toBe('alice');
    expect(message.channel).toBe(CHANNEL);
    expect(message.tags.get('id')).toBe(id);

    // The wire tags Twitch sends are enough for a valid ChatEvent.
    const event = normalizePrivmsg(message, { receivedAt: new Date(), botLogin: BOT });
    expect(decodeChatEvent(event)).toMatchObject({
      id: `twitch:${id}`,
      channel: { id: fake.channelId(CHANNEL), name: CHANNEL },
      author: { name: 'alice', displayName: 'Alice', roles: ['subscriber', 'everyone'], isBot: false },
    });

    let recorded = nextFake(fake, 'clientMessage');
    tmi.say(CHANNEL, 'Pong!', { replyTo: id });
    expect((await recorded)[0]).toMatchObject({ login: BOT, channel: CHANNEL, text: 'Pong!', replyParentMsgId: id, delivered: true });

    recorded = nextFake(fake, 'clientMessage');
    tmi.say(`#${CHANNEL}`, 'plain message');
    const [plain] = await recorded;
    expect(plain).toMatchObject({ text: 'plain message', delivered: true });
    expect(plain.replyParentMsgId).toBeUndefined();
  });
});

describe('TmiConnection', () => {
  it('cuts a message to 500 characters and never lets a line break through', async () => {
    const { fake, ircUrl } = await startFake();
    const tmi = connection({ url: ircUrl, login: BOT, token: 'oauth:secret' });
    await tmi.connect();
    await tmi.join(CHANNEL);
    let recorded = nextFake(fake, 'clientMessage');
    tmi.say(CHANNEL, 'é'.repeat(MAX_MESSAGE_CHARS + 100));
    expect((await recorded)[0].text).toBe('é'.repeat(MAX_MESSAGE_CHARS));
    recorded = nextFake(fake, 'clientMessage');
    tmi.say(CHANNEL, 'one\r\nPART #demo\nthree');
    expect((await recorded)[0].text).toBe('one PART #demo three');
    expect(fake.joinedLogins(CHANNEL)).toEqual([BOT]);
  });

  it('throws TmiNotConnectedError from say() when not connected', () => {
    const tmi = connection({ url: 'irc://127.0.0.1:1', login: BOT, token: 'x' });
    expect(() => tmi.say(CHANNEL, 'hi')).toThrow(TmiNotConnectedError);
  });

  it('rejects a bad URL at construction', () => {
    expect(() => new TmiConnection({ url: 'http://example.com', login: BOT, token: 'x' })).toThrow(RangeError);
  });

  it('answers the server PING and stays connected', async () => {
    // Several fake PINGs, each of which would cost the connection if it went unanswered.
    const { fake, ircUrl } = await startFake({ pingIntervalMs: 30, pongTimeoutMs: 200 });
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x' });
    const log = eventLog(tmi);
    await tmi.connect();
    await tmi.join(CHANNEL);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(log).toEqual(['connected']);
    expect(fake.connectionCount()).toBe(1);
  });

  it('on RECONNECT reconnects and rejoins every channel by itself', async () => {
    const { fake, wsUrl } = await startFake();
    const tmi = connection({ url: wsUrl, login: BOT, token: 'x' });
    const log = eventLog(tmi);
    const reconnecting: Array<{ attempt: number; delayMs: number }> = [];
    tmi.on('reconnecting', (info) => reconnecting.push(info));
    await tmi.connect();
    await tmi.join(CHANNEL);
    await tmi.join('other');

    const disconnected = next(tmi, 'disconnected');
    const rejoined = new Promise<void>((resolve) => {
      const seen = new Set<string>();
      fake.on('join', ({ channel }) => {
        seen.add(channel);
        if (seen.size === 2) resolve();
      });
    });
    fake.sendReconnect();
    expect((await disconnected)[0].reason).toMatch(/RECONNECT|closed/);
    await within(rejoined, 'both channels to be rejoined');
    await expect.poll(() => tmi.joinedChannels().sort()).toEqual([CHANNEL, 'other']);
    expect(log).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    expect(reconnecting).toEqual([{ attempt: 1, delayMs: expect.any(Number) }]);
    expect(reconnecting[0]!.delayMs).toBeLessThan(FAST.backoff.baseMs);

    // And chat flows again on the new connection.
    const received = next(tmi, 'privmsg');
    fake.viewerSay(CHANNEL, { login: 'alice', text: 'welcome back' });
    expect(((await received) as [IrcMessage])[0].text).toBe('welcome back');
  });

  it('reconnects with backoff after a dropped connection and rejoins', async () => {
    const { fake, ircUrl } = await startFake();
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x' });
    await tmi.connect();
    await tmi.join(CHANNEL);
    const reconnecting = next(tmi, 'reconnecting');
    const rejoined = nextFake(fake, 'join');
    fake.dropConnections();
    const [{ attempt, delayMs }] = await reconnecting;
    expect(attempt).toBe(1);
    expect(delayMs).toBeGreaterThanOrEqual(0);
    expect(delayMs).toBeLessThan(FAST.backoff.baseMs);
    expect((await rejoined)[0]).toEqual({ login: BOT, channel: CHANNEL });
    await expect.poll(() => tmi.joinedChannels()).toEqual([CHANNEL]);
    tmi.say(CHANNEL, 'still here');
    await expect.poll(() => fake.sentMessages(CHANNEL).map((record) => record.text)).toEqual(['still here']);
  });

  it('keeps retrying with growing backoff while the server is down, until close()', async () => {
    const port = await unusedPort();
    const tmi = connection({ url: `irc://127.0.0.1:${port}`, login: BOT, token: 'x', backoff: { baseMs: 5, maxMs: 40 } });
    const attempts: Array<{ attempt: number; delayMs: number }> = [];
    tmi.on('reconnecting', (info) => attempts.push(info));
    const connecting = tmi.connect();
    const joining = tmi.join(CHANNEL);
    await expect.poll(() => attempts.length).toBeGreaterThanOrEqual(4);
    expect(attempts.slice(0, 4).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    // Full jitter: each delay is below its ceiling base * 2^(attempt-1), capped at maxMs.
    for (const { attempt, delayMs } of attempts) expect(delayMs).toBeLessThan(Math.min(40, 5 * 2 ** (attempt - 1)));
    // Both are watched before close() rejects them, so neither rejection goes unhandled.
    const connectRefused = expect(connecting).rejects.toBeInstanceOf(TmiClosedError);
    const joinRefused = expect(joining).rejects.toBeInstanceOf(TmiClosedError);
    await tmi.close();
    await connectRefused;
    await joinRefused;
  });

  it('rejects with TmiAuthError on a refused login and never retries it', async () => {
    let logins = 0;
    const { ircUrl } = await startFake({ acceptToken: () => (logins++, false) });
    const tmi = connection({ url: ircUrl, login: BOT, token: 'expired' });
    const errors: Error[] = [];
    tmi.on('error', (error) => errors.push(error));
    const reconnecting: unknown[] = [];
    tmi.on('reconnecting', (info) => reconnecting.push(info));
    const error = await within(tmi.connect(), 'connect() to settle').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TmiAuthError);
    expect((error as TmiAuthError).notice).toBe('Login authentication failed');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logins).toBe(1);
    expect(reconnecting).toEqual([]);
    expect(errors).toEqual([error]);
  });

  it('treats a missing PONG as a dead connection and reconnects', async () => {
    const { fake, ircUrl } = await startFake({ answerPings: false });
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x', pingIntervalMs: 50, pongTimeoutMs: 100 });
    await tmi.connect();
    await tmi.join(CHANNEL);
    const disconnected = next(tmi, 'disconnected');
    const rejoined = nextFake(fake, 'join');
    expect((await disconnected)[0].reason).toMatch(/no PONG within 100 ms/);
    expect((await rejoined)[0].channel).toBe(CHANNEL);
  });

  it('queues JOINs beyond the rate limit', async () => {
    const { fake, ircUrl } = await startFake();
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x', joinRateLimit: { count: 2, perMs: 300 } });
    await tmi.connect();
    const joinedAt = new Map<string, number>();
    fake.on('join', ({ channel }) => joinedAt.set(channel, Date.now()));
    const started = Date.now();
    await Promise.all(['a1', 'a2', 'a3'].map((channel) => tmi.join(channel)));
    expect(joinedAt.get('a1')! - started).toBeLessThan(250);
    expect(joinedAt.get('a2')! - started).toBeLessThan(250);
    expect(joinedAt.get('a3')! - started).toBeGreaterThanOrEqual(290);
  });

  it('parts a channel and does not rejoin it after a reconnect', async () => {
    const { fake, ircUrl } = await startFake();
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x' });
    await tmi.connect();
    await tmi.join(CHANNEL);
    await tmi.join('other');
    await tmi.part(CHANNEL);
    expect(tmi.joinedChannels()).toEqual(['other']);
    expect(fake.joinedLogins(CHANNEL)).toEqual([]);
    const rejoined = nextFake(fake, 'join');
    fake.dropConnections();
    expect((await rejoined)[0].channel).toBe('other');
    await expect.poll(() => tmi.joinedChannels()).toEqual(['other']);
  });


  // Two connections of one account in one channel (a make-before-break hand-over): with the
  // membership capability each sees the other's JOIN and PART under the same nick.
  it("ignores another connection's JOIN and PART of the same account", async () => {
    const { fake, ircUrl } = await startFake();
    const leaving = connection({ url: ircUrl, login: BOT, token: 'x' });
    const arriving = connection({ url: ircUrl, login: BOT, token: 'x' });
    await Promise.all([leaving.connect(), arriving.connect()]);
    await leaving.join(CHANNEL);
    await arriving.join(CHANNEL);
    expect(fake.joinedConnections(CHANNEL)).toBe(2);

    // The arriving connection must not take the leaving one's PART for its own.
    await leaving.part(CHANNEL);
    expect(leaving.joinedChannels()).toEqual([]);
    const sawPart = new Promise<void>((resolve) => fake.once('part', () => resolve()));
    await within(sawPart, 'the PART at the fake').catch(() => undefined);
    await expect.poll(() => fake.joinedConnections(CHANNEL)).toBe(1);
    expect(arriving.joinedChannels()).toEqual([CHANNEL]);

    // Nor the leaving one take the arriving one's next JOIN for its own (it would PART again).
    await arriving.part(CHANNEL);
    await arriving.join(CHANNEL);
    await leaving.join('other');
    expect(leaving.joinedChannels()).toEqual(['other']);
    expect(arriving.joinedChannels()).toEqual([CHANNEL]);
    expect(fake.joinedConnections(CHANNEL)).toBe(1);
  });

  it('rejoins a channel joined again while its PART was in flight', async () => {
    const { fake, ircUrl } = await startFake();
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x' });
    await tmi.connect();
    await tmi.join(CHANNEL);
    const parted = tmi.part(CHANNEL);
    const joined = tmi.join(CHANNEL);
    await parted;
    await joined;
    await expect.poll(() => tmi.joinedChannels()).toEqual([CHANNEL]);
    await expect.poll(() => fake.joinedConnections(CHANNEL)).toBe(1);
  });
  it('does not reconnect after close()', async () => {
    const { fake, ircUrl } = await startFake();
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x' });
    const log = eventLog(tmi);
    await tmi.connect();
    await tmi.join(CHANNEL);
    await tmi.close();
    expect(tmi.joinedChannels()).toEqual([]);
    await expect.poll(() => fake.connectionCount()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.connectionCount()).toBe(0);
    expect(log).toEqual(['connected', 'disconnected']);
    await expect(tmi.connect()).rejects.toBeInstanceOf(TmiClosedError);
  });
});

describe('TmiConnection against a scripted server', () => {
  it('sends CAP REQ, PASS and NICK in that order, adds oauth: and answers PING with its parameter', async () => {
    const server = await scriptedServer((line, reply) => {
      if (line.startsWith('NICK ')) reply(':tmi.twitch.tv 001 parleybot :Welcome, GLHF!', 'PING :abc 123');
    });
    const tmi = connection({ url: server.url, login: BOT, token: 'secret' });
    await tmi.connect();
    await expect.poll(() => server.lines).toContain('PONG :abc 123');
    expect(server.lines.slice(0, 3)).toEqual(['CAP REQ :twitch.tv/tags twitch.tv/commands twitch.tv/membership', 'PASS oauth:secret', 'NICK parleybot']);
  });

  it('survives a RECONNECT that arrives together with the welcome', async () => {
    let connections = 0;
    const server = await scriptedServer((line, reply) => {
      if (!line.startsWith('NICK ')) return;
      connections++;
      if (connections === 1) reply(':tmi.twitch.tv 001 parleybot :Welcome, GLHF!', ':tmi.twitch.tv RECONNECT');
      else reply(':tmi.twitch.tv 001 parleybot :Welcome, GLHF!');
    });
    const tmi = connection({ url: server.url, login: BOT, token: 'x' });
    const log = eventLog(tmi);
    await tmi.connect();
    await expect.poll(() => log).toEqual(['connected', 'disconnected', 'reconnecting', 'connected']);
    expect(connections).toBe(2);
  });

  it('rejects a join Twitch refuses, and one that is never answered', async () => {
    const server = await scriptedServer((line, reply) => {
      if (line.startsWith('NICK ')) reply(':tmi.twitch.tv 001 parleybot :Welcome, GLHF!');
      if (line === 'JOIN #gone') reply('@msg-id=msg_channel_suspended :tmi.twitch.tv NOTICE #gone :This channel does not exist or has been suspended.');
    });
    const tmi = connection({ url: server.url, login: BOT, token: 'x', joinTimeoutMs: 100 });
    await tmi.connect();
    const refused = await tmi.join('gone').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TmiJoinError);
    expect(refused).toMatchObject({ channel: 'gone', msgId: 'msg_channel_suspended' });
    const silent = await tmi.join('silent').catch((error: unknown) => error);
    expect(silent).toMatchObject({ channel: 'silent', msgId: 'timeout' });
    expect(tmi.joinedChannels()).toEqual([]);
  });

  it('reports a malformed line as protocolError and goes on reading', async () => {
    const server = await scriptedServer((line, reply) => {
      if (line.startsWith('NICK ')) reply(':tmi.twitch.tv 001 parleybot :Welcome, GLHF!');
      if (line === 'JOIN #demo') {
        reply('@bad=1 :tmi.twitch.tv', ':parleybot!parleybot@parleybot.tmi.twitch.tv JOIN #demo', '@id=1 :a!a@a.tmi.twitch.tv PRIVMSG #demo :after garbage');
      }
    });
    const tmi = connection({ url: server.url, login: BOT, token: 'x' });
    const problems: Array<[Error, string]> = [];
    tmi.on('protocolError', (error, line) => problems.push([error, line]));
    const received = next(tmi, 'privmsg');
    await tmi.connect();
    await tmi.join(CHANNEL);
    expect(((await received) as [IrcMessage])[0].text).toBe('after garbage');
    expect(problems).toHaveLength(1);
    expect(problems[0]![0]).toBeInstanceOf(IrcParseError);
    expect(problems[0]![1]).toBe('@bad=1 :tmi.twitch.tv');
  });

  it('emits NOTICEs with msg-id and channel, and USERNOTICE/CLEARCHAT/CLEARMSG as messages', async () => {
    const { fake, ircUrl } = await startFake({ sendLimit: { count: 1, moderatorCount: 1, perMs: 30_000 } });
    const tmi = connection({ url: ircUrl, login: BOT, token: 'x' });
    await tmi.connect();
    await tmi.join(CHANNEL);
    const notice = next(tmi, 'notice');
    tmi.say(CHANNEL, 'one');
    tmi.say(CHANNEL, 'two');
    expect((await notice)[0]).toEqual({ msgId: 'msg_ratelimit', channel: CHANNEL, text: 'Your message was not sent because you are sending messages too quickly.' });

    const usernotice = next(tmi, 'usernotice');
    fake.userNotice(CHANNEL, 'sub', { login: 'carol' });
    expect(((await usernotice) as [IrcMessage])[0].tags.get('msg-id')).toBe('sub');
    const clearchat = next(tmi, 'clearchat');
    fake.clearChat(CHANNEL, 'carol', 60);
    const [cleared] = (await clearchat) as [IrcMessage];
    expect(cleared.text).toBe('carol');
    expect(cleared.tags.get('ban-duration')).toBe('60');
    const clearmsg = next(tmi, 'clearmsg');
    fake.clearMsg(CHANNEL, 'some-id');
    expect(((await clearmsg) as [IrcMessage])[0].tags.get('target-msg-id')).toBe('some-id');
  });
});

interface ScriptedServer {
  url: string;
  lines: string[];
}

/** A TCP server whose answers the test scripts line by line. */
async function scriptedServer(onLine: (line: string, reply: (...lines: string[]) => void) => void): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const lines: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    let pending = '';
    socket.on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\r\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        onLine(line, (...replies) => socket.write(replies.map((reply) => `${reply}\r\n`).join('')));
      }
    });
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `irc://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
