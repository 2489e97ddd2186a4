import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { WebSocketServer } from 'ws';
import { TcpClientSocket, WsClientSocket, type ClientSocket } from './client-socket.js';
import { readLine, tagPrefix, userPrefix, type WireLine } from './tmi-wire.js';

export interface TwitchTmiFakeOptions {
  /** Decides logins; `token` is the PASS value without `oauth:`. Default: any non-empty token. */
  acceptToken: (login: string, token: string) => boolean;
  /** Messages a login may send per channel per window: `count`, or `moderatorCount` as moderator/broadcaster. */
  sendLimit: { count: number; moderatorCount: number; perMs: number };
  /** The same text from the same login in the same channel within this window is refused (msg_duplicate). */
  duplicateWindowMs: number;
  /** How often the server PINGs each client. */
  pingIntervalMs: number;
  /** A client that does not PONG within this time after a server PING is disconnected. */
  pongTimeoutMs: number;
  /** false: client PINGs get no PONG (to test a client's dead-connection detection). */
  answerPings: boolean;
  /** channel → logins that moderate it. The channel's own login is its broadcaster. */
  moderators: Record<string, readonly string[]>;
  /** Longer lines get `417` and are dropped. */
  maxLineBytes: number;
  host: string;
}

export const DefaultTwitchTmiFakeOptions: TwitchTmiFakeOptions = {
  acceptToken: (_login, token) => token.length > 0,
  sendLimit: { count: 20, moderatorCount: 100, perMs: 30_000 },
  duplicateWindowMs: 30_000,
  pingIntervalMs: 300_000,
  pongTimeoutMs: 10_000,
  answerPings: true,
  moderators: {},
  maxLineBytes: 4_096,
  host: '127.0.0.1',
};

/** A PRIVMSG a client sent, delivered or refused. */
export interface SentMessageRecord {
  login: string;
  channel: string;
  text: string;
  replyParentMsgId?: string;
  at: number;
  delivered: boolean;
  /** The NOTICE msg-id that refused it (`msg_ratelimit`, `msg_duplicate`, or a channel refusal). */
  refusedBy?: string;
  /** The message id other clients saw, when delivered. */
  id?: string;
}

export interface ViewerMessage {
  login: string;
  userId?: string;
  displayName?: string;
  /** Twitch badges tag, e.g. `moderator/1,subscriber/12`. Default: from the channel's moderators. */
  badges?: string;
  text: string;
  id?: string;
  replyParentMsgId?: string;
  firstMessage?: boolean;
  color?: string;
}

export interface TwitchTmiFakeEvents {
  clientMessage: [SentMessageRecord];
  join: [{ login: string; channel: string }];
  part: [{ login: string; channel: string }];
  /** A viewer's message and how many connections received it (0: nobody had joined the channel). */
  viewerMessage: [{ id: string; channel: string; recipients: number }];
}

const SERVER = 'tmi.twitch.tv';
const CAPABILITIES = ['twitch.tv/tags', 'twitch.tv/commands', 'twitch.tv/membership'];
const ANONYMOUS = /^justinfan\d+$/;
const CHANNEL = /^#[a-z0-9_]{1,25}$/;
/** Messages kept to fill reply-parent tags and CLEARMSG; the oldest are forgotten first. */
const HISTORY_SIZE = 10_000;
/** Records kept for `sentMessages()`, so a long demo does not grow without bound. */
const RECORDS_SIZE = 10_000;

/** One connected client as a test sees it. */
export interface FakeConnection {
  /** Stable for the connection's life; numbered in the order connections were accepted. */
  id: number;
  transport: 'irc' | 'ws';
  login: string | undefined;
  channels: string[];
  silenced: boolean;
}

/** Texts Twitch sends with the NOTICEs that refuse a PRIVMSG because of the channel or the account. */
const REFUSAL_TEXTS: Record<string, string> = {
  msg_followersonly: 'This room is in followers-only mode. Follow this channel to join the chat!',
  msg_subsonly: 'This room is in subscribers-only mode.',
  msg_slowmode: 'This room is in slow mode and you are sending messages too quickly.',
  msg_banned: 'You are permanently banned from talking in this channel.',
  msg_timedout: 'You are timed out for a while.',
  msg_channel_suspended: 'This channel does not exist or has been suspended.',
  msg_emoteonly: 'This room is in emote-only mode.',
};

interface Client {
  id: number;
  /** Silenced: nothing is written to it any more (a half-open socket); it can still write. */
  silenced: boolean;
  socket: ClientSocket;
  login: string | undefined;
  pass: string | undefined;
  registered: boolean;
  anonymous: boolean;
  caps: Set<string>;
  channels: Set<string>;
  pingTimer: NodeJS.Timeout | undefined;
  pongTimer: NodeJS.Timeout | undefined;
}

interface StoredMessage {
  channel: string;
  login: string;
  userId: string;
  displayName: string;
  text: string;
  threadParentId: string;
}

/**
 * A local Twitch chat server (TMI) that speaks the wire protocol over plain TCP and
 * WebSocket: handshake, CAP, JOIN/PART, PRIVMSG with Twitch's tags, keep-alive both ways,
 * send limits and duplicate refusal, and controls to play viewers and break connections.
 * See README.md for where it differs from the real service.
 */
export class TwitchTmiFake extends EventEmitter<TwitchTmiFakeEvents> {
  private readonly options: TwitchTmiFakeOptions;
  private readonly clients = new Set<Client>();
  private readonly records: SentMessageRecord[] = [];
  private readonly history = new Map<string, StoredMessage>();
  private readonly sendWindows = new Map<string, number[]>();
  private readonly lastTexts = new Map<string, { text: string; at: number }>();
  /** channel → the msg-id with which every PRIVMSG in it is refused. */
  private readonly channelRefusals = new Map<string, string>();
  private nextClientId = 0;
  private netServer: NetServer | undefined;
  private httpServer: HttpServer | undefined;
  private wsServer: WebSocketServer | undefined;

  constructor(options: Partial<TwitchTmiFakeOptions> = {}) {
    super();
    this.options = { ...DefaultTwitchTmiFakeOptions, ...options };
  }

  /** Listens on ephemeral ports: one for IRC over TCP, one for IRC over WebSocket. */
  async start(): Promise<{ ircUrl: string; wsUrl: string }> {
    if (this.netServer) throw new Error('TwitchTmiFake already started');
    const { host, maxLineBytes } = this.options;
    this.netServer = createNetServer((socket) => this.accept((handlers) => new TcpClientSocket(socket, maxLineBytes, handlers)));
    this.httpServer = createHttpServer((_request, response) => response.writeHead(426).end('WebSocket only'));
    // Twitch's endpoint speaks the `irc` subprotocol; clients that ask for none are served too.
    this.wsServer = new WebSocketServer({
      server: this.httpServer,
      maxPayload: Math.max(maxLineBytes * 16, 65_536),
      handleProtocols: (protocols) => (protocols.has('irc') ? 'irc' : false),
    });
    this.wsServer.on('connection', (ws) => this.accept((handlers) => new WsClientSocket(ws, maxLineBytes, handlers)));
    this.wsServer.on('error', () => {});
    const listen = async (server: NetServer | HttpServer) => {
      server.listen(0, host);
      await once(server, 'listening');
      return (server.address() as AddressInfo).port;
    };
    const ircPort = await listen(this.netServer);
    const wsPort = await listen(this.httpServer);
    return { ircUrl: `irc://${host}:${ircPort}`, wsUrl: `ws://${host}:${wsPort}` };
  }

  /** Closes every connection and both listeners. */
  async stop(): Promise<void> {
    for (const client of this.clients) this.forget(client, true);
    const closing: Promise<unknown>[] = [];
    if (this.wsServer) closing.push(new Promise((resolve) => this.wsServer!.close(() => resolve(undefined))));
    if (this.httpServer) {
      this.httpServer.closeAllConnections();
      closing.push(new Promise((resolve) => this.httpServer!.close(() => resolve(undefined))));
    }
    if (this.netServer) closing.push(new Promise((resolve) => this.netServer!.close(() => resolve(undefined))));
    await Promise.all(closing);
    this.netServer = this.httpServer = this.wsServer = undefined;
  }

  /** Twitch uses the broadcaster's user id as the room id; so does the fake. */
  channelId(channel: string): string {
    return userIdOf(normalize(channel));
  }

  /** Every PRIVMSG clients sent (optionally in one channel), oldest first. */
  sentMessages(channel?: string): SentMessageRecord[] {
    const name = channel === undefined ? undefined : normalize(channel);
    return this.records.filter((record) => name === undefined || record.channel === name).map((record) => ({ ...record }));
  }

  joinedLogins(channel: string): string[] {
    const name = normalize(channel);
    const logins = new Set<string>();
    for (const client of this.clients) if (client.login && client.channels.has(name)) logins.add(client.login);
    return [...logins];
  }

  /** Connections (not logins: pods of one bot share a login) that have joined the channel. */
  joinedConnections(channel: string): number {
    const name = normalize(channel);
    let count = 0;
    for (const client of this.clients) if (client.channels.has(name)) count++;
    return count;
  }

  connectionCount(): number {
    return this.clients.size;
  }

  /** A viewer writes in chat: every client in the channel receives it. Returns the message id. */
  viewerSay(channel: string, message: ViewerMessage): string {
    const name = normalize(channel);
    const login = message.login.toLowerCase();
    const id = message.id ?? randomUUID();
    const badges = message.badges ?? this.defaultBadges(name, login);
    const displayName = message.displayName ?? login;
    const userId = message.userId ?? userIdOf(login);
    const tags = {
      ...userTags(badges, displayName, message.color ?? ''),
      emotes: '',
      'first-msg': message.firstMessage ? '1' : '0',
      flags: '',
      id,
      'returning-chatter': '0',
      'room-id': this.channelId(name),
      'tmi-sent-ts': String(Date.now()),
      turbo: '0',
      'user-id': userId,
      ...this.replyTags(message.replyParentMsgId),
    };
    // A line break would end the line and smuggle in another command.
    const text = message.text.replace(/[\r\n\0]+/g, ' ');
    this.remember(id, { channel: name, login, userId, displayName, text }, message.replyParentMsgId);
    const recipients = this.broadcast(name, undefined, (client) => `${this.tagsFor(client, tags)}:${userPrefix(login)} PRIVMSG #${name} :${text}`);
    this.emit('viewerMessage', { id, channel: name, recipients });
    return id;
  }

  /** Sends RECONNECT to every client, then closes them (Twitch is restarting a server). */
  sendReconnect(): void {
    for (const client of this.clients) {
      client.socket.send([`:${SERVER} RECONNECT`]);
      client.socket.end();
    }
  }

  /** Drops every connection without a word (a network failure). */
  dropConnections(): void {
    for (const client of this.clients) client.socket.destroy();
  }

  /** The connected clients, oldest first. */
  connections(): FakeConnection[] {
    return [...this.clients].map((client) => ({
      id: client.id,
      transport: client.socket.kind,
      login: client.login,
      channels: [...client.channels],
      silenced: client.silenced,
    }));
  }

  /**
   * Writes `data` byte for byte to one connection (by id) or to all: on TCP as is (add the
   * `\r\n` yourself), over WebSocket as one text frame. For replaying captures of real
   * Twitch traffic. Returns how many connections it was written to.
   */
  writeRaw(data: string | Buffer, connectionId?: number): number {
    let written = 0;
    for (const client of this.clients) {
      if (connectionId !== undefined && client.id !== connectionId) continue;
      client.socket.writeRaw(data);
      written++;
    }
    return written;
  }

  /**
   * Stops (or resumes) writing anything to one connection, PONGs included, while its socket
   * stays open: the half-dead connection a client must detect by silence.
   */
  silence(connectionId: number, silenced = true): void {
    for (const client of this.clients) if (client.id === connectionId) client.silenced = silenced;
  }

  /**
   * Refuses every PRIVMSG in a channel with this NOTICE msg-id (`msg_followersonly`,
   * `msg_banned`, `msg_channel_suspended`, ...), as Twitch does for a room mode or a ban;
   * undefined lifts it.
   */
  refuseMessages(channel: string, msgId: string | undefined): void {
    const name = normalize(channel);
    if (msgId === undefined) this.channelRefusals.delete(name);
    else this.channelRefusals.set(name, msgId);
  }

  /** A USERNOTICE (`sub`, `resub`, `raid`, `announcement`, ...). Returns its id. */
  userNotice(channel: string, msgId: string, tags: Record<string, string> = {}, text?: string): string {
    const name = normalize(channel);
    const login = (tags.login ?? 'tmi').toLowerCase();
    const all: Record<string, string> = {
      'badge-info': '',
      badges: '',
      color: '',
      'display-name': login,
      emotes: '',
      flags: '',
      id: randomUUID(),
      login,
      mod: '0',
      'room-id': this.channelId(name),
      subscriber: '0',
      'system-msg': `${login} did ${msgId}`,
      'tmi-sent-ts': String(Date.now()),
      'user-id': userIdOf(login),
      'user-type': '',
      ...tags,
      'msg-id': msgId,
    };
    this.broadcast(name, undefined, (client) => `${this.tagsFor(client, all)}:${SERVER} USERNOTICE #${name}${text === undefined ? '' : ` :${text}`}`);
    return all.id!;
  }

  /** Clears a user's messages (timeout when `durationSeconds`, else ban), or the whole chat without `login`. */
  clearChat(channel: string, login?: string, durationSeconds?: number): void {
    const name = normalize(channel);
    const tags: Record<string, string | undefined> = {
      'room-id': this.channelId(name),
      'tmi-sent-ts': String(Date.now()),
      'target-user-id': login === undefined ? undefined : userIdOf(login.toLowerCase()),
      'ban-duration': durationSeconds === undefined ? undefined : String(durationSeconds),
    };
    this.broadcast(name, undefined, (client) => `${this.tagsFor(client, tags)}:${SERVER} CLEARCHAT #${name}${login === undefined ? '' : ` :${login.toLowerCase()}`}`);
  }

  /** Deletes one message. */
  clearMsg(channel: string, targetMsgId: string): void {
    const name = normalize(channel);
    const stored = this.history.get(targetMsgId);
    const tags = {
      login: stored?.login ?? '',
      'room-id': this.channelId(name),
      'target-msg-id': targetMsgId,
      'tmi-sent-ts': String(Date.now()),
    };
    this.broadcast(name, undefined, (client) => `${this.tagsFor(client, tags)}:${SERVER} CLEARMSG #${name} :${stored?.text ?? ''}`);
  }

  private accept(open: (handlers: { line(line: string): void; tooLong(): void; close(): void }) => ClientSocket): void {
    const client: Client = {
      id: this.nextClientId++,
      silenced: false,
      socket: undefined as unknown as ClientSocket,
      login: undefined,
      pass: undefined,
      registered: false,
      anonymous: false,
      caps: new Set(),
      channels: new Set(),
      pingTimer: undefined,
      pongTimer: undefined,
    };
    const socket = open({
      line: (line) => this.onLine(client, line),
      tooLong: () => client.socket.send([`:${SERVER} 417 ${client.login ?? '*'} :Input line was too long`]),
      close: () => this.forget(client, false),
    });
    // Every write goes through here, so a silenced client gets nothing at all.
    client.socket = {
      kind: socket.kind,
      send: (lines) => void (client.silenced || socket.send(lines)),
      writeRaw: (data) => void (client.silenced || socket.writeRaw(data)),
      end: () => socket.end(),
      destroy: () => socket.destroy(),
    };
    this.clients.add(client);
    client.pingTimer = setInterval(() => this.pingClient(client), this.options.pingIntervalMs);
  }

  private forget(client: Client, destroy: boolean): void {
    clearInterval(client.pingTimer);
    clearTimeout(client.pongTimer);
    if (destroy) client.socket.destroy();
    if (!this.clients.delete(client)) return;
    for (const channel of [...client.channels]) this.leave(client, channel, false);
  }

  private pingClient(client: Client): void {
    if (client.pongTimer) return;
    client.socket.send([`PING :${SERVER}`]);
    client.pongTimer = setTimeout(() => client.socket.destroy(), this.options.pongTimeoutMs);
  }

  private onLine(client: Client, raw: string): void {
    try {
      const line = readLine(raw);
      // Twitch ignores what it cannot read; so does the fake.
      if (line) this.handle(client, line);
    } catch {
      // Whatever a client sends, the fake keeps serving the others.
    }
  }

  private handle(client: Client, line: WireLine): void {
    switch (line.command) {
      case 'CAP':
        return this.onCap(client, line);
      case 'PASS':
        client.pass = line.params[0];
        return;
      case 'NICK':
        return this.onNick(client, line.params[0]);
      case 'USER':
        return;
      case 'PING':
        if (this.options.answerPings) client.socket.send([`PONG :${line.params.at(-1) ?? SERVER}`]);
        return;
      case 'PONG':
        clearTimeout(client.pongTimer);
        client.pongTimer = undefined;
        return;
      case 'QUIT':
        return client.socket.end();
    }
    if (!client.registered) {
      client.socket.send([`:${SERVER} 451 * ${line.command} :You have not registered`]);
      return;
    }
    switch (line.command) {
      case 'JOIN':
        for (const channel of (line.params[0] ?? '').split(',')) this.onJoin(client, channel.toLowerCase());
        return;
      case 'PART':
        for (const channel of (line.params[0] ?? '').split(',')) {
          const name = channel.toLowerCase().replace(/^#/, '');
          if (client.channels.has(name)) this.leave(client, name, true);
        }
        return;
      case 'PRIVMSG':
        return this.onPrivmsg(client, line);
      default:
        client.socket.send([`:${SERVER} 421 ${client.login} ${line.command} :Unknown command`]);
    }
  }

  private onCap(client: Client, line: WireLine): void {
    const sub = line.params[0]?.toUpperCase();
    if (sub === 'LS') return client.socket.send([`:${SERVER} CAP * LS :${CAPABILITIES.join(' ')}`]);
    if (sub !== 'REQ') return;
    const requested = (line.params[1] ?? '').split(' ').filter(Boolean);
    // IRCv3: a request is granted or refused as a whole.
    if (requested.length === 0 || requested.some((cap) => !CAPABILITIES.includes(cap))) {
      return client.socket.send([`:${SERVER} CAP * NAK :${requested.join(' ')}`]);
    }
    for (const cap of requested) client.caps.add(cap);
    client.socket.send([`:${SERVER} CAP * ACK :${requested.join(' ')}`]);
  }

  private onNick(client: Client, nick: string | undefined): void {
    if (client.registered || !nick) return;
    const login = nick.toLowerCase();
    const refuse = (notice: string) => {
      client.socket.send([`:${SERVER} NOTICE * :${notice}`]);
      client.socket.end();
    };
    if (ANONYMOUS.test(login)) {
      client.anonymous = true;
    } else {
      const pass = client.pass ?? '';
      if (!pass.startsWith('oauth:')) return refuse('Improperly formatted auth');
      if (!this.options.acceptToken(login, pass.slice('oauth:'.length))) return refuse('Login authentication failed');
    }
    client.login = login;
    client.registered = true;
    const lines = [
      `:${SERVER} 001 ${login} :Welcome, GLHF!`,
      `:${SERVER} 002 ${login} :Your host is ${SERVER}`,
      `:${SERVER} 003 ${login} :This server is rather new`,
      `:${SERVER} 004 ${login} :-`,
      `:${SERVER} 375 ${login} :-`,
      `:${SERVER} 372 ${login} :You are in a maze of twisty passages, all alike.`,
      `:${SERVER} 376 ${login} :>`,
    ];
    if (!client.anonymous && client.caps.has('twitch.tv/tags')) {
      const tags = { 'badge-info': '', badges: '', color: '', 'display-name': login, 'emote-sets': '0', 'user-id': userIdOf(login), 'user-type': '' };
      lines.push(`${tagPrefix(tags)}:${SERVER} GLOBALUSERSTATE`);
    }
    client.socket.send(lines);
  }

  private onJoin(client: Client, channel: string): void {
    const login = client.login!;
    if (!CHANNEL.test(channel)) {
      client.socket.send([`@msg-id=msg_channel_suspended :${SERVER} NOTICE ${channel || '#'} :This channel does not exist or has been suspended.`]);
      return;
    }
    const name = channel.slice(1);
    const lines = [
      `:${userPrefix(login)} JOIN #${name}`,
      `:${login}.${SERVER} 353 ${login} = #${name} :${login}`,
      `:${login}.${SERVER} 366 ${login} #${name} :End of /NAMES list`,
    ];
    if (client.caps.has('twitch.tv/commands')) {
      if (!client.anonymous) lines.push(`${this.tagsFor(client, this.userStateTags(name, login))}:${SERVER} USERSTATE #${name}`);
      const room = { 'emote-only': '0', 'followers-only': '-1', r9k: '0', 'room-id': this.channelId(name), slow: '0', 'subs-only': '0' };
      lines.push(`${this.tagsFor(client, room)}:${SERVER} ROOMSTATE #${name}`);
    }
    const first = !client.channels.has(name);
    client.channels.add(name);
    client.socket.send(lines);
    if (!first) return;
    this.broadcast(name, client, (other) => (other.caps.has('twitch.tv/membership') ? `:${userPrefix(login)} JOIN #${name}` : undefined));
    this.emit('join', { login, channel: name });
  }

  private leave(client: Client, channel: string, echo: boolean): void {
    const login = client.login;
    client.channels.delete(channel);
    if (!login) return;
    if (echo) client.socket.send([`:${userPrefix(login)} PART #${channel}`]);
    this.broadcast(channel, client, (other) => (other.caps.has('twitch.tv/membership') ? `:${userPrefix(login)} PART #${channel}` : undefined));
    this.emit('part', { login, channel });
  }

  private onPrivmsg(client: Client, line: WireLine): void {
    const [target, text] = line.params;
    const login = client.login!;
    // Twitch drops anonymous messages and malformed ones without an answer.
    if (client.anonymous || !target || !CHANNEL.test(target.toLowerCase()) || text === undefined) return;
    const channel = target.toLowerCase().slice(1);
    const replyParentMsgId = line.tags['reply-parent-msg-id'] || undefined;
    const record: SentMessageRecord = { login, channel, text, at: Date.now(), delivered: false };
    if (replyParentMsgId) record.replyParentMsgId = replyParentMsgId;

    const refusal = this.refusal(login, channel, text, record.at);
    if (refusal) {
      record.refusedBy = refusal.msgId;
      client.socket.send([`@msg-id=${refusal.msgId} :${SERVER} NOTICE #${channel} :${refusal.text}`]);
      return this.keep(record);
    }

    const id = randomUUID();
    record.delivered = true;
    record.id = id;
    const tags = {
      ...userTags(this.defaultBadges(channel, login), login, ''),
      emotes: '',
      'first-msg': '0',
      flags: '',
      id,
      'returning-chatter': '0',
      'room-id': this.channelId(channel),
      'tmi-sent-ts': String(record.at),
      turbo: '0',
      'user-id': userIdOf(login),
      ...this.replyTags(replyParentMsgId),
    };
    this.remember(id, { channel, login, userId: tags['user-id'], displayName: login, text }, replyParentMsgId);
    this.broadcast(channel, client, (other) => `${this.tagsFor(other, tags)}:${userPrefix(login)} PRIVMSG #${channel} :${text}`);
    if (client.caps.has('twitch.tv/commands')) {
      client.socket.send([`${this.tagsFor(client, { ...this.userStateTags(channel, login), id })}:${SERVER} USERSTATE #${channel}`]);
    }
    this.keep(record);
  }

  private refusal(login: string, channel: string, text: string, now: number): { msgId: string; text: string } | undefined {
    const { sendLimit, duplicateWindowMs } = this.options;
    const refusedBy = this.channelRefusals.get(channel);
    if (refusedBy) return { msgId: refusedBy, text: REFUSAL_TEXTS[refusedBy] ?? 'Your message was not sent.' };
    const key = `${login}\n${channel}`;
    const limit = this.isModerator(channel, login) ? sendLimit.moderatorCount : sendLimit.count;
    const window = (this.sendWindows.get(key) ?? []).filter((at) => at > now - sendLimit.perMs);
    this.sendWindows.set(key, window);
    if (window.length >= limit) {
      return { msgId: 'msg_ratelimit', text: 'Your message was not sent because you are sending messages too quickly.' };
    }
    // Every message that reaches the server counts, duplicates included.
    window.push(now);
    const last = this.lastTexts.get(key);
    if (last && last.text === text && now - last.at < duplicateWindowMs) {
      return {
        msgId: 'msg_duplicate',
        text: 'Your message was not sent because it is identical to the previous one you sent, less than 30 seconds ago.',
      };
    }
    this.lastTexts.set(key, { text, at: now });
    return undefined;
  }

  private keep(record: SentMessageRecord): void {
    this.records.push(record);
    if (this.records.length > RECORDS_SIZE) this.records.shift();
    this.emit('clientMessage', { ...record });
  }

  private remember(id: string, message: Omit<StoredMessage, 'threadParentId'>, replyParentMsgId: string | undefined): void {
    const parent = replyParentMsgId ? this.history.get(replyParentMsgId) : undefined;
    this.history.set(id, { ...message, threadParentId: parent?.threadParentId ?? replyParentMsgId ?? id });
    if (this.history.size > HISTORY_SIZE) this.history.delete(this.history.keys().next().value!);
  }

  private replyTags(replyParentMsgId: string | undefined): Record<string, string> {
    if (!replyParentMsgId) return {};
    const parent = this.history.get(replyParentMsgId);
    if (!parent) return { 'reply-parent-msg-id': replyParentMsgId };
    const thread = this.history.get(parent.threadParentId) ?? parent;
    return {
      'reply-parent-display-name': parent.displayName,
      'reply-parent-msg-body': parent.text,
      'reply-parent-msg-id': replyParentMsgId,
      'reply-parent-user-id': parent.userId,
      'reply-parent-user-login': parent.login,
      'reply-thread-parent-display-name': thread.displayName,
      'reply-thread-parent-msg-id': parent.threadParentId,
      'reply-thread-parent-user-id': thread.userId,
      'reply-thread-parent-user-login': thread.login,
    };
  }

  private isModerator(channel: string, login: string): boolean {
    return login === channel || (this.options.moderators[channel]?.includes(login) ?? false);
  }

  private defaultBadges(channel: string, login: string): string {
    if (login === channel) return 'broadcaster/1';
    return this.options.moderators[channel]?.includes(login) ? 'moderator/1' : '';
  }

  /** The tags that describe a user in a channel (USERSTATE, and the start of PRIVMSG tags). */
  private userStateTags(channel: string, login: string): Record<string, string> {
    return { ...userTags(this.defaultBadges(channel, login), login, ''), 'emote-sets': '0' };
  }

  /** Tags reach only clients that asked for them. */
  private tagsFor(client: Client, tags: Record<string, string | undefined>): string {
    return client.caps.has('twitch.tv/tags') ? tagPrefix(tags) : '';
  }

  /** Sends to every client in the channel but `except`; returns how many got the line. */
  private broadcast(channel: string, except: Client | undefined, line: (client: Client) => string | undefined): number {
    let recipients = 0;
    for (const client of this.clients) {
      if (client === except || !client.channels.has(channel)) continue;
      const text = line(client);
      if (text === undefined) continue;
      client.socket.send([text]);
      recipients++;
    }
    return recipients;
  }
}

/** The tags that describe a user (badges and what Twitch derives from them). */
function userTags(badges: string, displayName: string, color: string): Record<string, string> {
  const has = (name: string) => new RegExp(`(?:^|,)${name}/`).test(badges);
  const months = /(?:^|,)(?:subscriber|founder)\/(\d+)/.exec(badges)?.[1];
  const tags: Record<string, string> = {
    'badge-info': months ? `subscriber/${months}` : '',
    badges,
    color,
    'display-name': displayName,
    mod: has('moderator') ? '1' : '0',
    subscriber: has('subscriber') || has('founder') ? '1' : '0',
    'user-type': has('moderator') ? 'mod' : '',
  };
  if (has('vip')) tags.vip = '1';
  return tags;
}

function normalize(channel: string): string {
  return channel.trim().replace(/^#/, '').toLowerCase();
}

/** A stable numeric id per login (FNV-1a), shaped like Twitch's. */
/** The fakes' user id of a login: stable, digits, the same in the TMI and EventSub fakes. */
export function userIdOf(login: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < login.length; i++) {
    hash ^= login.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return String(100_000_000 + ((hash >>> 0) % 900_000_000));
}
