import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import tmi from 'tmi.js';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { TwitchTmiFake, type SentMessageRecord, type TwitchTmiFakeOptions } from './index.js';

const CHANNEL = 'demo';
/** How long a test waits for something the fake should do at once. */
const WAIT_MS = 2_000;

const fakes: TwitchTmiFake[] = [];
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
  for (const fake of fakes.splice(0)) await fake.stop();
});

async function startFake(options: Partial<TwitchTmiFakeOptions> = {}) {
  const fake = new TwitchTmiFake(options);
  fakes.push(fake);
  const urls = await fake.start();
  return { fake, ...urls, wsPort: Number(new URL(urls.wsUrl).port), ircPort: Number(new URL(urls.ircUrl).port) };
}

function tmiClient(port: number, username = 'viewerbot', password = 'oauth:xyz') {
  const client = new tmi.Client({
    // tmi.js would fetch emote sets from api.twitch.tv on USERSTATE; keep the test offline.
    options: { skipUpdatingEmotesets: true },
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    connection: { server: '127.0.0.1', port, secure: false, reconnect: false },
    identity: { username, password },
  });
  cleanups.push(() => (client.readyState() === 'OPEN' ? client.disconnect() : undefined));
  return client;
}

/** A bare TCP IRC client: sends raw lines and waits for raw lines, to check the wire itself. */
class RawClient {
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private pending = '';
  closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const parts = (this.pending + chunk).split('\r\n');
      this.pending = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new RawClient(socket);
    cleanups.push(() => socket.destroy());
    return client;
  }

  send(...lines: string[]): void {
    this.socket.write(lines.map((line) => `${line}\r\n`).join(''));
  }

  /** Resolves with the first line (received so far or later) matching; fails after WAIT_MS. */
  async waitFor(pattern: RegExp, from = 0): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const found = this.lines.slice(from).find((line) => pattern.test(line));
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line matching ${pattern} in:\n${this.lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  async login(login: string, token = 'oauth:xyz', caps = 'twitch.tv/tags twitch.tv/commands twitch.tv/membership'): Promise<void> {
    this.send(`CAP REQ :${caps}`, `PASS ${token}`, `NICK ${login}`);
    await this.waitFor(/ 376 /);
  }

  async join(channel: string): Promise<void> {
    const from = this.lines.length;
    this.send(`JOIN #${channel}`);
    await this.waitFor(new RegExp(`JOIN #${channel}$`), from);
  }
}

/** Fails fast instead of at the test timeout when something never happens. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function nextClientMessage(fake: TwitchTmiFake): Promise<SentMessageRecord> {
  return once(fake, 'clientMessage', { signal: AbortSignal.timeout(WAIT_MS) }).then(([record]) => record as SentMessageRecord);
}

describe('TwitchTmiFake with tmi.js, a real Twitch client library', () => {
  it('lets tmi.js log in over WebSocket, join, read a viewer message with its tags and send one', async () => {
    const { fake, wsPort } = await startFake({ moderators: { [CHANNEL]: ['modguy'] } });
    const client = tmiClient(wsPort);
    await client.connect();
    await client.join(CHANNEL);
    expect(fake.joinedLogins(CHANNEL)).toEqual(['viewerbot']);

    const received = new Promise<{ channel: string; userstate: tmi.ChatUserstate; message: string; self: boolean }>((resolve) =>
      client.on('message', (channel, userstate, message, self) => resolve({ channel, userstate, message, self })),
    );
    const id = fake.viewerSay(CHANNEL, { login: 'modguy', displayName: 'ModGuy', badges: 'moderator/1,subscriber/12', text: 'hi; there \\o/', firstMessage: true });
    const { channel, userstate, message, self } = await within(received, 'the viewer message');
    expect(channel).toBe(`#${CHANNEL}`);
    expect(message).toBe('hi; there \\o/');
    expect(self).toBe(false);
    expect(userstate.id).toBe(id);
    expect(userstate['user-id']).toBe(fake.channelId('modguy'));
    expect(userstate['room-id']).toBe(fake.channelId(CHANNEL));
    expect(userstate['display-name']).toBe('ModGuy');
    expect(userstate.username).toBe('modguy');
    expect(userstate.badges).toEqual({ moderator: '1', subscriber: '12' });
    expect(userstate['badge-info']).toEqual({ subscriber: '12' });
    expect(userstate.mod).toBe(true);
    expect(userstate.subscriber).toBe(true);
    expect(userstate['first-msg']).toBe(true);
    expect(userstate['user-type']).toBe('mod');
    expect(Number(userstate['tmi-sent-ts'])).toBeGreaterThan(Date.now() - 60_000);

    const recorded = nextClientMessage(fake);
    await client.say(CHANNEL, 'hello from tmi.js');
    expect(await recorded).toMatchObject({ login: 'viewerbot', channel: CHANNEL, text: 'hello from tmi.js', delivered: true });
    expect(fake.sentMessages(CHANNEL)).toHaveLength(1);
    expect(fake.sentMessages('elsewhere')).toHaveLength(0);
  });

  it('refuses a bad token with Twitch\'s NOTICE and closes, which tmi.js reports as a login failure', async () => {
    const { fake, wsPort } = await startFake({ acceptToken: (_login, token) => token === 'good' });
    const client = tmiClient(wsPort, 'viewerbot', 'oauth:bad');
    await expect(client.connect()).rejects.toMatch(/Login authentication failed/);
    await expect.poll(() => fake.connectionCount()).toBe(0);
    expect(fake.joinedLogins(CHANNEL)).toEqual([]);
  });

  it('refuses the 21st message in 30 s with msg_ratelimit and does not deliver it', async () => {
    const { fake, wsPort, ircPort } = await startFake();
    const client = tmiClient(wsPort);
    await client.connect();
    await client.join(CHANNEL);
    const reader = await RawClient.open(ircPort);
    await reader.login('reader');
    await reader.join(CHANNEL);

    const notice = new Promise<{ msgid: string; message: string }>((resolve) => client.on('notice', (_channel, msgid, message) => resolve({ msgid, message })));
    for (let i = 1; i <= 21; i++) await client.say(CHANNEL, `message number ${i}`);
    expect(await within(notice, 'a NOTICE')).toEqual({ msgid: 'msg_ratelimit', message: 'Your message was not sent because you are sending messages too quickly.' });

    const records = fake.sentMessages(CHANNEL);
    expect(records).toHaveLength(21);
    expect(records.filter((record) => record.delivered)).toHaveLength(20);
    expect(records[20]).toMatchObject({ text: 'message number 21', delivered: false, refusedBy: 'msg_ratelimit' });
    await reader.waitFor(/:message number 20$/);
    expect(reader.lines.some((line) => line.endsWith(':message number 21'))).toBe(false);
  });

  it('gives a moderator the higher limit', async () => {
    const { fake, wsPort } = await startFake({ moderators: { [CHANNEL]: ['viewerbot'] }, sendLimit: { count: 2, moderatorCount: 5, perMs: 30_000 } });
    const client = tmiClient(wsPort);
    await client.connect();
    await client.join(CHANNEL);
    expect(client.isMod(`#${CHANNEL}`, 'viewerbot')).toBe(true);
    for (let i = 1; i <= 6; i++) await client.say(CHANNEL, `m${i}`);
    await expect.poll(() => fake.sentMessages(CHANNEL).length).toBe(6);
    expect(fake.sentMessages(CHANNEL).map((record) => record.delivered)).toEqual([true, true, true, true, true, false]);
  });

  it('refuses the same text twice within the window with msg_duplicate', async () => {
    const { fake, wsPort } = await startFake();
    const client = tmiClient(wsPort);
    await client.connect();
    await client.join(CHANNEL);
    const notice = new Promise<string>((resolve) => client.on('notice', (_channel, msgid) => resolve(msgid)));
    await client.say(CHANNEL, 'same text');
    await client.say(CHANNEL, 'same text');
    expect(await within(notice, 'a NOTICE')).toBe('msg_duplicate');
    await client.say(CHANNEL, 'other text');
    await expect.poll(() => fake.sentMessages(CHANNEL).length).toBe(3);
    expect(fake.sentMessages(CHANNEL).map(({ delivered, refusedBy }) => ({ delivered, refusedBy }))).toEqual([
      { delivered: true, refusedBy: undefined },
      { delivered: false, refusedBy: 'msg_duplicate' },
      { delivered: true, refusedBy: undefined },
    ]);
  });
});

describe('TwitchTmiFake on the wire', () => {
  it('answers the handshake the way Twitch does', async () => {
    const { fake, ircPort } = await startFake();
    const client = await RawClient.open(ircPort);
    client.send('CAP REQ :twitch.tv/tags twitch.tv/commands twitch.tv/membership', 'PASS oauth:token', 'NICK ParleyBot');
    await client.waitFor(/GLOBALUSERSTATE$/);
    expect(client.lines.slice(0, 8)).toEqual([
      ':tmi.twitch.tv CAP * ACK :twitch.tv/tags twitch.tv/commands twitch.tv/membership',
      ':tmi.twitch.tv 001 parleybot :Welcome, GLHF!',
      ':tmi.twitch.tv 002 parleybot :Your host is tmi.twitch.tv',
      ':tmi.twitch.tv 003 parleybot :This server is rather new',
      ':tmi.twitch.tv 004 parleybot :-',
      ':tmi.twitch.tv 375 parleybot :-',
      ':tmi.twitch.tv 372 parleybot :You are in a maze of twisty passages, all alike.',
      ':tmi.twitch.tv 376 parleybot :>',
    ]);
    expect(client.lines[8]).toBe(
      `@badge-info=;badges=;color=;display-name=parleybot;emote-sets=0;user-id=${fake.channelId('parleybot')};user-type= :tmi.twitch.tv GLOBALUSERSTATE`,
    );

    const from = client.lines.length;
    client.send(`JOIN #${CHANNEL}`);
    await client.waitFor(/ROOMSTATE/, from);
    expect(client.lines.slice(from)).toEqual([
      `:parleybot!parleybot@parleybot.tmi.twitch.tv JOIN #${CHANNEL}`,
      `:parleybot.tmi.twitch.tv 353 parleybot = #${CHANNEL} :parleybot`,
      `:parleybot.tmi.twitch.tv 366 parleybot #${CHANNEL} :End of /NAMES list`,
      `@badge-info=;badges=;color=;display-name=parleybot;emote-sets=0;mod=0;subscriber=0;user-type= :tmi.twitch.tv USERSTATE #${CHANNEL}`,
      `@emote-only=0;followers-only=-1;r9k=0;room-id=${fake.channelId(CHANNEL)};slow=0;subs-only=0 :tmi.twitch.tv ROOMSTATE #${CHANNEL}`,
    ]);
  });

  it('NAKs an unknown capability and refuses a PASS without oauth:', async () => {
    const { ircPort } = await startFake();
    const client = await RawClient.open(ircPort);
    client.send('CAP REQ :twitch.tv/tags example.com/nope', 'PASS token', 'NICK someone');
    expect(await client.waitFor(/CAP/)).toBe(':tmi.twitch.tv CAP * NAK :twitch.tv/tags example.com/nope');
    expect(await client.waitFor(/NOTICE/)).toBe(':tmi.twitch.tv NOTICE * :Improperly formatted auth');
    await client.closed;
  });

  it('sends a bad login Login authentication failed and closes the connection', async () => {
    const { ircPort } = await startFake({ acceptToken: () => false });
    const client = await RawClient.open(ircPort);
    client.send('PASS oauth:nope', 'NICK someone');
    expect(await client.waitFor(/NOTICE/)).toBe(':tmi.twitch.tv NOTICE * :Login authentication failed');
    await client.closed;
  });

  it('delivers a client PRIVMSG with full tags to the others, a reply with its parent, and USERSTATE to the sender', async () => {
    const { fake, ircPort } = await startFake({ moderators: { [CHANNEL]: ['parleybot'] } });
    const bot = await RawClient.open(ircPort);
    await bot.login('parleybot');
    await bot.join(CHANNEL);
    const viewer = await RawClient.open(ircPort);
    await viewer.login('viewer');
    await viewer.join(CHANNEL);
    // Membership: the bot sees the viewer arrive.
    await bot.waitFor(/^:viewer!viewer@viewer\.tmi\.twitch\.tv JOIN #demo$/);

    const parentId = fake.viewerSay(CHANNEL, { login: 'alice', displayName: 'Alice', text: '!ping' });
    await bot.waitFor(/:!ping$/);
    const from = bot.lines.length;
    bot.send(`@reply-parent-msg-id=${parentId} PRIVMSG #${CHANNEL} :Pong!`);
    const line = await viewer.waitFor(/PRIVMSG #demo :Pong!$/);
    const tags = Object.fromEntries(line.slice(1, line.indexOf(' ')).split(';').map((pair) => pair.split('=')));
    expect(tags).toMatchObject({
      'badge-info': '',
      badges: 'moderator/1',
      'display-name': 'parleybot',
      mod: '1',
      'room-id': fake.channelId(CHANNEL),
      subscriber: '0',
      turbo: '0',
      'user-id': fake.channelId('parleybot'),
      'user-type': 'mod',
      'first-msg': '0',
      'reply-parent-msg-id': parentId,
      'reply-parent-user-login': 'alice',
      'reply-parent-display-name': 'Alice',
      'reply-parent-msg-body': '!ping',
      'reply-thread-parent-msg-id': parentId,
    });
    expect(tags.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(tags['tmi-sent-ts'])).toBeGreaterThan(Date.now() - 60_000);
    expect(line).toContain(' :parleybot!parleybot@parleybot.tmi.twitch.tv PRIVMSG #demo :Pong!');
    expect(await bot.waitFor(/USERSTATE #demo$/, from)).toContain(`id=${tags.id}`);
    expect(bot.lines.slice(from).some((l) => l.includes('PRIVMSG'))).toBe(false);
    expect(fake.sentMessages(CHANNEL)).toEqual([expect.objectContaining({ login: 'parleybot', text: 'Pong!', replyParentMsgId: parentId, delivered: true, id: tags.id })]);
  });

  it('lets justinfan read anonymously but not write', async () => {
    const { fake, ircPort } = await startFake({ acceptToken: () => false });
    const anonymous = await RawClient.open(ircPort);
    anonymous.send('PASS SCHMOOPIIE', 'NICK justinfan12345');
    await anonymous.waitFor(/ 001 justinfan12345 /);
    await anonymous.join(CHANNEL);
    fake.viewerSay(CHANNEL, { login: 'alice', text: 'visible to lurkers' });
    await anonymous.waitFor(/:visible to lurkers$/);
    anonymous.send(`PRIVMSG #${CHANNEL} :can I talk?`);
    anonymous.send('PING :sync');
    await anonymous.waitFor(/^PONG :sync$/);
    expect(fake.sentMessages()).toEqual([]);
  });

  it('survives garbage, unknown commands and oversized lines, and keeps serving', async () => {
    const { fake, ircPort } = await startFake({ maxLineBytes: 4_096 });
    const client = await RawClient.open(ircPort);
    client.send('\u0000\u0001\u00ff', '@', ':only-a-prefix', '    ');
    await client.login('parleybot');
    client.send('WHO #demo');
    expect(await client.waitFor(/ 421 /)).toBe(':tmi.twitch.tv 421 parleybot WHO :Unknown command');
    client.send(`PRIVMSG #${CHANNEL} :${'x'.repeat(10_000)}`);
    expect(await client.waitFor(/ 417 /)).toBe(':tmi.twitch.tv 417 parleybot :Input line was too long');
    // A huge line sent in pieces without a line break is dropped up to its end.
    client.socket.write('y'.repeat(50_000));
    client.socket.write('y'.repeat(50_000) + '\r\n');
    await client.join(CHANNEL);
    client.send(`PRIVMSG #${CHANNEL} :still here`);
    await expect.poll(() => fake.sentMessages(CHANNEL).map((record) => record.text)).toEqual(['still here']);
  });

  it('PINGs clients and disconnects one that does not answer', async () => {
    const { fake, ircPort } = await startFake({ pingIntervalMs: 50, pongTimeoutMs: 200 });
    const polite = await RawClient.open(ircPort);
    polite.socket.on('data', (chunk: string) => {
      if (chunk.includes('PING :tmi.twitch.tv')) polite.send('PONG :tmi.twitch.tv');
    });
    const silent = await RawClient.open(ircPort);
    await silent.waitFor(/^PING :tmi\.twitch\.tv$/);
    await silent.closed;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(polite.socket.destroyed).toBe(false);
    expect(fake.connectionCount()).toBe(1);
  });

  it('answers client PINGs with the same parameter, unless told not to', async () => {
    const { ircPort } = await startFake();
    const client = await RawClient.open(ircPort);
    client.send('PING :hello');
    expect(await client.waitFor(/PONG/)).toBe('PONG :hello');

    const quiet = await startFake({ answerPings: false });
    const ignored = await RawClient.open(quiet.ircPort);
    ignored.send('PING :hello', 'NICK justinfan1');
    await ignored.waitFor(/ 376 /);
    expect(ignored.lines.some((line) => line.includes('PONG'))).toBe(false);
  });

  it('sends RECONNECT then closes; drops connections without a word', async () => {
    const { fake, ircPort } = await startFake();
    const first = await RawClient.open(ircPort);
    await first.login('one');
    fake.sendReconnect();
    expect(await first.waitFor(/RECONNECT/)).toBe(':tmi.twitch.tv RECONNECT');
    await first.closed;

    const second = await RawClient.open(ircPort);
    await second.login('two');
    const before = second.lines.length;
    fake.dropConnections();
    await second.closed;
    expect(second.lines.length).toBe(before);
    await expect.poll(() => fake.connectionCount()).toBe(0);
  });

  it('broadcasts USERNOTICE, CLEARCHAT and CLEARMSG', async () => {
    const { fake, ircPort } = await startFake();
    const client = await RawClient.open(ircPort);
    await client.login('parleybot');
    await client.join(CHANNEL);
    const id = fake.viewerSay(CHANNEL, { login: 'troll', text: 'bad words' });
    fake.clearMsg(CHANNEL, id);
    expect(await client.waitFor(/CLEARMSG/)).toMatch(new RegExp(`^@login=troll;room-id=\\d+;target-msg-id=${id};tmi-sent-ts=\\d+ :tmi.twitch.tv CLEARMSG #demo :bad words$`));
    fake.clearChat(CHANNEL, 'troll', 600);
    expect(await client.waitFor(/CLEARCHAT/)).toMatch(/^@ban-duration=600;room-id=\d+;target-user-id=\d+;tmi-sent-ts=\d+ :tmi.twitch.tv CLEARCHAT #demo :troll$/);
    fake.userNotice(CHANNEL, 'raid', { login: 'raider', 'msg-param-viewerCount': '42', 'system-msg': '42 raiders from raider have joined!' });
    const raid = await client.waitFor(/USERNOTICE/);
    expect(raid).toContain('msg-id=raid;');
    expect(raid).toContain('system-msg=42\\sraiders\\sfrom\\sraider\\shave\\sjoined!');
    expect(raid).toMatch(/ :tmi.twitch.tv USERNOTICE #demo$/);
  });

  it('speaks the same protocol over WebSocket, several lines per frame in both directions', async () => {
    const { fake, wsUrl } = await startFake();
    const ws = new WebSocket(wsUrl, 'irc');
    cleanups.push(() => ws.terminate());
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(data.toString()));
    await once(ws, 'open');
    expect(ws.protocol).toBe('irc');
    ws.send('CAP REQ :twitch.tv/tags twitch.tv/commands\r\nPASS oauth:x\r\nNICK wsbot\r\n');
    await expect.poll(() => frames.join('')).toContain(' 376 wsbot :>');
    // The whole welcome arrives as one frame of CRLF-terminated lines, as from Twitch.
    expect(frames.some((frame) => frame.startsWith(':tmi.twitch.tv 001 wsbot') && frame.includes('\r\n:tmi.twitch.tv 376 wsbot :>\r\n'))).toBe(true);
    ws.send(`JOIN #${CHANNEL}`);
    await expect.poll(() => fake.joinedLogins(CHANNEL)).toEqual(['wsbot']);
    ws.send(`PRIVMSG #${CHANNEL} :over websocket`);
    await expect.poll(() => fake.sentMessages(CHANNEL).map((record) => record.text)).toEqual(['over websocket']);
  });

  it('stops with clients still connected and leaves nothing listening', async () => {
    const { fake, ircPort, wsUrl } = await startFake();
    const client = await RawClient.open(ircPort);
    const ws = new WebSocket(wsUrl, 'irc');
    await once(ws, 'open');
    await fake.stop();
    await client.closed;
    if (ws.readyState !== WebSocket.CLOSED) await once(ws, 'close');
    const refused = connect(ircPort, '127.0.0.1');
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });
  it('writes raw bytes exactly as given to one connection or to all, over TCP and WebSocket', async () => {
    const { fake, ircPort, wsUrl } = await startFake();
    const a = await RawClient.open(ircPort);
    await a.login('rawa');
    const b = await RawClient.open(ircPort);
    await b.login('rawb');
    const ws = new WebSocket(wsUrl, 'irc');
    cleanups.push(() => ws.terminate());
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(data.toString()));
    await once(ws, 'open');
    const [first, second, third] = fake.connections();
    expect([first?.login, second?.login, third?.transport]).toEqual(['rawa', 'rawb', 'ws']);

    const capture = '@badge-info=;new-tag/ü=x;id=1 :tmi.twitch.tv USERNOTICE #demo :captured\r\n';
    expect(fake.writeRaw(capture, first!.id)).toBe(1);
    expect(await a.waitFor(/captured$/)).toBe(capture.slice(0, -2));
    expect(b.lines.some((line) => line.includes('captured'))).toBe(false);

    // Byte for byte: two lines in one write, no CRLF added to a frame.
    expect(fake.writeRaw('PING :one\r\nPING :two\r\n')).toBe(3);
    await b.waitFor(/PING :two$/);
    await expect.poll(() => frames).toContain('PING :one\r\nPING :two\r\n');
  });

  it('silences one connection: it receives nothing, not even PONG, while the others do', async () => {
    const { fake, ircPort } = await startFake();
    const quiet = await RawClient.open(ircPort);
    await quiet.login('quietbot');
    const loud = await RawClient.open(ircPort);
    await loud.login('loudbot');
    await quiet.join(CHANNEL);
    await loud.join(CHANNEL);
    fake.silence(fake.connections()[0]!.id);
    // Lines written before the silence (loudbot's JOIN) may still be on their way.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = quiet.lines.length;
    quiet.send('PING :alive');
    fake.viewerSay(CHANNEL, { login: 'alice', text: 'hello' });
    await loud.waitFor(/PRIVMSG #demo :hello$/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(quiet.lines.length).toBe(before);
    expect(fake.connections()[0]!.silenced).toBe(true);
  });

  it('refuses every message in a channel with the configured NOTICE, and sends USERSTATE after accepted ones', async () => {
    const { fake, ircPort } = await startFake();
    const bot = await RawClient.open(ircPort);
    await bot.login('parleybot');
    await bot.join(CHANNEL);
    fake.refuseMessages(CHANNEL, 'msg_followersonly');
    let from = bot.lines.length;
    bot.send(`PRIVMSG #${CHANNEL} :hi`);
    expect(await bot.waitFor(/NOTICE #demo/, from)).toBe(
      '@msg-id=msg_followersonly :tmi.twitch.tv NOTICE #demo :This room is in followers-only mode. Follow this channel to join the chat!',
    );
    fake.refuseMessages(CHANNEL, undefined);
    from = bot.lines.length;
    bot.send(`PRIVMSG #${CHANNEL} :hi`);
    const userstate = await bot.waitFor(/USERSTATE #demo$/, from);
    const accepted = fake.sentMessages(CHANNEL).at(-1)!;
    expect(accepted).toMatchObject({ delivered: true, text: 'hi' });
    expect(userstate).toContain(`id=${accepted.id}`);
    expect(fake.sentMessages(CHANNEL)[0]).toMatchObject({ delivered: false, refusedBy: 'msg_followersonly' });
  });
});
