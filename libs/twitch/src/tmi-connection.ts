import { EventEmitter, once } from 'node:events';
import { fullJitterDelay, type BackoffOptions } from '@parley/resilience';
import type { AuthProvider } from '@parley/ingest';
import { TmiAuthError, TmiClosedError, TmiConnectError, TmiJoinError, TmiNotConnectedError } from './errors.js';
import { IrcMessage } from './irc-message.js';
import { JoinThrottle, LocalJoinBudget, type JoinBudget, type JoinRateLimit } from './join-throttle.js';
import { createTransport, isSupportedTmiUrl, type IrcTransport } from './transport.js';

export interface RequiredTmiConnectionOptions {
  /** `wss://irc-ws.chat.twitch.tv:443`, `ircs://irc.chat.twitch.tv:6697`, `irc://host:port`, `ws://host:port`. */
  url: string;
  /** The bot account's login (any case; Twitch logins are lowercase). */
  login: string;
  /**
   * The bot's user access token (with or without `oauth:`), or a provider asked for it at
   * every (re)connect, so a refreshed token is used from the next connection on.
   */
  token: string | AuthProvider;
  /** This connection's index in its pool: carried by its `frame` events (a small, stable metric label). */
  id?: number;
}

export interface OptionalTmiConnectionOptions {
  /** How often the client PINGs the server to prove the connection is alive. */
  pingIntervalMs: number;
  /** No PONG within this time after our PING: the connection is dead, reconnect. */
  pongTimeoutMs: number;
  /** Socket open + handshake until the 001 welcome, per attempt. */
  connectTimeoutMs: number;
  /** From writing `JOIN` to the server's echo; a join() waiting longer is rejected. */
  joinTimeoutMs: number;
  /** Full-jitter backoff between reconnection attempts. */
  backoff: BackoffOptions;
  /** Twitch's JOIN limit for the account; JOINs beyond it wait client-side. */
  joinRateLimit: JoinRateLimit;
}

export type TmiConnectionOptions = RequiredTmiConnectionOptions &
  Partial<OptionalTmiConnectionOptions> & {
    /**
     * Where JOIN slots come from. Default: a window of `joinRateLimit` in this process.
     * Connections and pods sharing the bot account should share a `SharedJoinBudget`.
     */
    joinBudget?: JoinBudget;
  };

export const DefaultTmiConnectionOptions: OptionalTmiConnectionOptions = {
  pingIntervalMs: 60_000,
  pongTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  joinTimeoutMs: 10_000,
  backoff: { baseMs: 1_000, maxMs: 30_000 },
  joinRateLimit: { count: 20, perMs: 10_000 },
};

/** Twitch drops anything longer; cutting here keeps the start of the message rather than losing all of it. */
export const MAX_MESSAGE_CHARS = 500;

const CAPABILITIES = 'twitch.tv/tags twitch.tv/commands twitch.tv/membership';
/** NOTICE texts with which Twitch refuses a login. */
const AUTH_FAILURE = /Login authentication failed|Login unsuccessful|Improperly formatted auth|Invalid NICK/i;
/** NOTICE msg-ids that mean a JOIN will never succeed. */
const JOIN_REFUSALS = new Set(['msg_channel_suspended', 'msg_room_not_found', 'tos_ban', 'msg_banned', 'invalid_user']);
const CHANNEL_NAME = /^[a-z0-9_]{1,25}$/;

/**
 * What Twitch said about one PRIVMSG: the USERSTATE that follows an accepted message (with
 * the message id), the NOTICE that refuses it (`msg_duplicate`, `msg_ratelimit`,
 * `msg_followersonly`, ...), or nothing because the connection ended first.
 */
export type TmiSendResult =
  | { status: 'accepted'; messageId?: string }
  | { status: 'refused'; msgId: string; text: string }
  | { status: 'lost'; reason: string };

export interface TmiNotice {
  msgId?: string;
  channel?: string;
  text: string;
}

export interface TmiConnectionEvents {
  /** The server welcomed us (first connection and every reconnection). */
  connected: [];
  /** Every line received, parsed, with the connection's `id`: what health is measured by. */
  frame: [message: IrcMessage, connection: number];
  disconnected: [{ reason: string }];
  reconnecting: [{ attempt: number; delayMs: number }];
  privmsg: [IrcMessage];
  usernotice: [IrcMessage];
  clearchat: [IrcMessage];
  clearmsg: [IrcMessage];
  notice: [TmiNotice];
  /** A line that could not be handled (malformed, or a listener threw on it); it was skipped. */
  protocolError: [error: Error, line: string];
  /** Only what the caller must act on: a refused login (no retry follows). */
  error: [Error];
}

interface JoinWaiter {
  resolve: () => void;
  reject: (error: Error) => void;
}

/** One socket's life: from open to close. Handlers check `ended` so a stale socket changes nothing. */
class Session {
  welcomed = false;
  ended = false;
  failure: Error | undefined;
  pingTimer: NodeJS.Timeout | undefined;
  pongTimer: NodeJS.Timeout | undefined;
  settle: (error?: Error) => void = () => {};
  /** channel → sends awaiting Twitch's answer, oldest first: Twitch answers in order per channel. */
  readonly unconfirmed = new Map<string, Array<(result: TmiSendResult) => void>>();
  constructor(readonly transport: IrcTransport) {}

  confirm(channel: string, result: TmiSendResult): boolean {
    const waiting = this.unconfirmed.get(channel);
    const next = waiting?.shift();
    if (waiting?.length === 0) this.unconfirmed.delete(channel);
    next?.(result);
    return next !== undefined;
  }
}

/**
 * One Twitch chat (TMI) connection for one account: handshake, keep-alive both ways,
 * throttled JOINs, and reconnection with full-jitter backoff that rejoins every channel
 * the caller joined. Health is the age of the last line received (`lastEventAt`), not the
 * socket state: a socket can be open and silent.
 */
export class TmiConnection extends EventEmitter<TmiConnectionEvents> {
  private readonly options: RequiredTmiConnectionOptions & OptionalTmiConnectionOptions & { joinBudget?: JoinBudget };
  private readonly login: string;
  private readonly throttle: JoinThrottle;
  private session: Session | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private wakeSleeper: (() => void) | undefined;
  private lastLineAt: number | undefined;
  /** The token of the last login attempt, to report it to its provider when refused. */
  private lastToken: string | undefined;
  /** Channels the caller asked for: rejoined after every reconnect. */
  private readonly wanted = new Set<string>();
  /** Channels the current connection is in (echo received). */
  private readonly joined = new Set<string>();
  private readonly moderatorOf = new Set<string>();
  private readonly joinWaiters = new Map<string, JoinWaiter[]>();
  private readonly joinTimers = new Map<string, NodeJS.Timeout>();
  private readonly partWaiters = new Map<string, Array<() => void>>();
  /**
   * JOINs and PARTs this connection wrote whose echo has not come back. The echo carries
   * only the account's nick, and with the membership capability another connection of the
   * same account (a pod taking a channel over) is seen joining and parting under that same
   * nick: only an echo this connection is waiting for is its own.
   */
  private readonly joinsInFlight = new Set<string>();
  private readonly partsInFlight = new Set<string>();

  constructor(options: TmiConnectionOptions) {
    super();
    this.options = { ...DefaultTmiConnectionOptions, ...options };
    if (!isSupportedTmiUrl(this.options.url)) throw new RangeError(`url must be ws://, wss://, irc:// or ircs://, got "${this.options.url}"`);
    if (!this.options.login) throw new RangeError('login is required');
    if (!this.options.token) throw new RangeError('token is required');
    this.login = this.options.login.toLowerCase();
    this.throttle = new JoinThrottle(
      this.options.joinBudget ?? new LocalJoinBudget(this.options.joinRateLimit),
      () => this.session?.welcomed === true,
      (channel) => this.writeJoin(channel),
    );
  }

  /** Epoch ms of the last line received from the server, undefined before the first. */
  get lastEventAt(): number | undefined {
    return this.lastLineAt;
  }

  /** Whether the connection is up (welcomed): a message written now would be sent. */
  get connected(): boolean {
    return this.session?.welcomed === true;
  }

  /** Whether the bot is a moderator (or the broadcaster) in a channel, from its USERSTATE. */
  isModeratorIn(channel: string): boolean {
    return this.moderatorOf.has(channel.trim().replace(/^#/, '').toLowerCase());
  }

  joinedChannels(): string[] {
    return [...this.joined];
  }

  /**
   * Resolves once the server welcomed us (001). Transient failures are retried with
   * backoff (`reconnecting` events); a refused login rejects with {@link TmiAuthError} and
   * is not retried; `close()` rejects it with {@link TmiClosedError}.
   */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new TmiClosedError());
    if (this.session?.welcomed) return Promise.resolve();
    return (this.connecting ??= this.establishWithRetry(0));
  }

  /** Resolves when the server echoes our JOIN. Joined channels are rejoined after reconnects. */
  join(channel: string): Promise<void> {
    const name = normalizeChannel(channel);
    if (this.closed) return Promise.reject(new TmiClosedError());
    this.wanted.add(name);
    if (this.joined.has(name) && !this.partsInFlight.has(name)) return Promise.resolve();
    const joined = new Promise<void>((resolve, reject) => {
      const waiters = this.joinWaiters.get(name) ?? [];
      waiters.push({ resolve, reject });
      this.joinWaiters.set(name, waiters);
    });
    // Wanted again while our PART is in flight: its echo queues the JOIN.
    if (this.session?.welcomed && !this.partsInFlight.has(name)) this.throttle.enqueue(name);
    return joined;
  }

  /** Leaves a channel (and stops rejoining it). Resolves on the server's PART echo, or at once when not in it. */
  async part(channel: string): Promise<void> {
    const name = normalizeChannel(channel);
    this.wanted.delete(name);
    this.throttle.remove(name);
    this.settleJoin(name, new TmiJoinError(name, 'parted', 'part() was called before the join completed'));
    const session = this.session;
    if (!session?.welcomed || !this.joined.has(name)) return;
    const parted = new Promise<void>((resolve) => {
      const waiters = this.partWaiters.get(name) ?? [];
      waiters.push(resolve);
      this.partWaiters.set(name, waiters);
    });
    this.writePart(session, name);
    // A PART cannot really fail; do not let a lost echo hang the caller.
    const timer = setTimeout(() => this.partsInFlight.delete(name) && this.onParted(name), this.options.joinTimeoutMs);
    await parted;
    clearTimeout(timer);
  }

  /**
   * Sends a chat message (a reply when `replyTo` is a message id). Line breaks become
   * spaces and the text is cut to {@link MAX_MESSAGE_CHARS}. Throws
   * {@link TmiNotConnectedError} when no connection is up, so the caller can retry later.
   * Resolves (never rejects) with Twitch's answer: the USERSTATE or the refusing NOTICE that
   * follows, in order per channel, or `lost` when the connection ends first. Nothing else
   * in IRC says whether a line reached the chat.
   */
  say(channel: string, text: string, options: { replyTo?: string } = {}): Promise<TmiSendResult> {
    const session = this.session;
    if (!session?.welcomed) throw new TmiNotConnectedError();
    const name = normalizeChannel(channel);
    // A CR or LF would end the line and let the rest be read as another command.
    const clean = truncate(text.replace(/[\r\n\0]+/g, ' '), MAX_MESSAGE_CHARS);
    const message = new IrcMessage({
      ...(options.replyTo && { tags: { 'reply-parent-msg-id': options.replyTo } }),
      command: 'PRIVMSG',
      params: [`#${name}`, clean],
      trailing: true,
    });
    const answered = new Promise<TmiSendResult>((resolve) => {
      const waiting = session.unconfirmed.get(name) ?? [];
      waiting.push(resolve);
      session.unconfirmed.set(name, waiting);
    });
    session.transport.send(message.toString());
    return answered;
  }

  /** Closes the connection for good: no reconnect follows; pending joins are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeSleeper?.();
    this.throttle.clear();
    this.rejectAllJoins(new TmiClosedError());
    const session = this.session;
    if (session && !session.ended) {
      const ended = once(session.transport, 'close');
      session.transport.close();
      await ended;
    }
    await this.connecting?.catch(() => {});
  }

  private async establishWithRetry(firstAttempt: number): Promise<void> {
    // Let the caller store this promise before any event runs a listener that calls connect().
    await Promise.resolve();
    // A refused token is reported to its provider once, which refreshes it; a second refusal is final.
    let renewedRefusedToken = false;
    let retryNow = false;
    try {
      for (let attempt = firstAttempt; ; attempt++) {
        if (attempt > 0 && !retryNow) {
          const delayMs = fullJitterDelay(attempt - 1, this.options.backoff);
          this.notify('reconnecting', { attempt, delayMs });
          await this.sleep(delayMs);
        }
        retryNow = false;
        if (this.closed) throw new TmiClosedError();
        try {
          const session = await this.establish();
          // A socket can die between the welcome and here; its close found this loop still running.
          if (!session.ended) return;
        } catch (error) {
          if (this.closed) throw new TmiClosedError();
          if (error instanceof TmiAuthError && !renewedRefusedToken && typeof this.options.token !== 'string' && this.lastToken !== undefined) {
            renewedRefusedToken = true;
            retryNow = true;
            await this.options.token.refused?.(this.lastToken);
            continue;
          }
          if (error instanceof TmiAuthError) {
            this.rejectAllJoins(error);
            this.notify('error', error);
            throw error;
          }
          // Anything else (refused, reset, timed out) is worth another attempt.
        }
      }
    } finally {
      this.connecting = undefined;
    }
  }

  private async establish(): Promise<Session> {
    const token = typeof this.options.token === 'string' ? this.options.token : await this.options.token.accessToken();
    this.lastToken = token;
    const password = token.startsWith('oauth:') ? token : `oauth:${token}`;
    return new Promise<Session>((resolve, reject) => {
      const transport = createTransport(this.options.url);
      const session = new Session(transport);
      this.session = session;
      const timer = setTimeout(
        () => transport.destroy(`no welcome within ${this.options.connectTimeoutMs} ms`),
        this.options.connectTimeoutMs,
      );
      let settled = false;
      session.settle = (error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(session);
      };
      transport.on('open', () => {
        transport.send(`CAP REQ :${CAPABILITIES}`);
        transport.send(`PASS ${password}`);
        transport.send(`NICK ${this.login}`);
      });
      transport.on('line', (line) => this.onLine(session, line));
      transport.on('close', ({ reason }) => this.onClose(session, reason));
    });
  }

  private onLine(session: Session, line: string): void {
    if (session.ended) return;
    this.lastLineAt = Date.now();
    let message: IrcMessage;
    try {
      message = IrcMessage.parse(line);
    } catch (error) {
      this.notify('protocolError', error as Error, line);
      return;
    }
    this.notify('frame', message, this.options.id ?? 0);
    try {
      this.handle(session, message);
    } catch (error) {
      this.notify('protocolError', error as Error, line);
    }
  }

  private handle(session: Session, message: IrcMessage): void {
    const channel = message.channel?.toLowerCase();
    switch (message.command) {
      case 'PING':
        session.transport.send(`PONG :${message.params.at(-1) ?? 'tmi.twitch.tv'}`);
        return;
      case 'PONG':
        clearTimeout(session.pongTimer);
        session.pongTimer = undefined;
        return;
      case '001':
        return this.onWelcome(session);
      case 'RECONNECT':
        return session.transport.destroy('server sent RECONNECT');
      case 'NOTICE':
        return this.onNotice(session, message, channel);
      case 'JOIN':
        if (channel && message.nick?.toLowerCase() === this.login && this.joinsInFlight.delete(channel)) this.onJoined(session, channel);
        return;
      case 'PART':
        if (channel && message.nick?.toLowerCase() === this.login && this.partsInFlight.delete(channel)) this.onParted(channel);
        return;
      case 'USERSTATE':
        if (!channel) return;
        this.onUserState(channel, message.tags);
        // After a JOIN it describes the bot; after a PRIVMSG it also says the message was accepted.
        session.confirm(channel, { status: 'accepted', ...(message.tags.get('id') && { messageId: message.tags.get('id')! }) });
        return;
      case 'PRIVMSG':
        return void this.notify('privmsg', message);
      case 'USERNOTICE':
        return void this.notify('usernotice', message);
      case 'CLEARCHAT':
        return void this.notify('clearchat', message);
      case 'CLEARMSG':
        return void this.notify('clearmsg', message);
      default:
        return;
    }
  }

  private onWelcome(session: Session): void {
    if (session.welcomed) return;
    session.welcomed = true;
    session.pingTimer = setInterval(() => {
      if (session.pongTimer) return;
      session.transport.send('PING :tmi.twitch.tv');
      session.pongTimer = setTimeout(
        () => session.transport.destroy(`no PONG within ${this.options.pongTimeoutMs} ms`),
        this.options.pongTimeoutMs,
      );
    }, this.options.pingIntervalMs);
    session.settle();
    this.notify('connected');
    for (const channel of this.wanted) this.throttle.enqueue(channel);
  }

  private onNotice(session: Session, message: IrcMessage, channel: string | undefined): void {
    const text = message.text ?? '';
    const msgId = message.tags.get('msg-id') || undefined;
    if (!session.welcomed && AUTH_FAILURE.test(text)) {
      session.failure = new TmiAuthError(text);
      session.transport.destroy('login refused');
      return;
    }
    if (channel && msgId && JOIN_REFUSALS.has(msgId) && !this.joined.has(channel) && this.wanted.has(channel)) {
      this.wanted.delete(channel);
      this.settleJoin(channel, new TmiJoinError(channel, msgId, text));
    }
    // Twitch refuses a PRIVMSG with a NOTICE whose msg-id starts with msg_ (room modes are *_on/_off).
    if (channel && msgId?.startsWith('msg_')) session.confirm(channel, { status: 'refused', msgId, text });
    const notice: TmiNotice = { text };
    if (msgId) notice.msgId = msgId;
    if (channel) notice.channel = channel;
    this.notify('notice', notice);
  }

  private onJoined(session: Session, channel: string): void {
    this.joined.add(channel);
    // part() was called while this JOIN was in flight.
    if (!this.wanted.has(channel)) return this.writePart(session, channel);
    this.settleJoin(channel);
  }

  private onParted(channel: string): void {
    this.joined.delete(channel);
    this.moderatorOf.delete(channel);
    this.settleParts(channel);
    // join() was called again while this PART was in flight.
    if (this.wanted.has(channel)) this.throttle.enqueue(channel);
  }

  private writePart(session: Session, channel: string): void {
    this.partsInFlight.add(channel);
    session.transport.send(`PART #${channel}`);
  }

  private onUserState(channel: string, tags: Map<string, string>): void {
    const badges = tags.get('badges') ?? '';
    // Broadcasters are not flagged `mod` but share the moderator rate limit.
    const moderator =
      tags.get('mod') === '1' || tags.get('user-type') === 'mod' || /(?:^|,)(?:moderator|broadcaster)\//.test(badges) || channel === this.login;
    if (moderator) this.moderatorOf.add(channel);
    else this.moderatorOf.delete(channel);
  }

  private onClose(session: Session, reason: string): void {
    if (session.ended) return;
    session.ended = true;
    clearInterval(session.pingTimer);
    clearTimeout(session.pongTimer);
    if (this.session === session) this.session = undefined;
    this.throttle.clear();
    for (const timer of this.joinTimers.values()) clearTimeout(timer);
    this.joinTimers.clear();
    this.joined.clear();
    this.joinsInFlight.clear();
    this.partsInFlight.clear();
    this.moderatorOf.clear();
    for (const channel of [...this.partWaiters.keys()]) this.settleParts(channel);
    for (const channel of [...session.unconfirmed.keys()]) while (session.confirm(channel, { status: 'lost', reason }));

    if (!session.welcomed) {
      session.settle(this.closed ? new TmiClosedError() : (session.failure ?? new TmiConnectError(reason)));
      return;
    }
    this.notify('disconnected', { reason });
    if (!this.closed && !this.connecting) {
      this.connecting = this.establishWithRetry(1);
      // Failures are reported through events; a connect() caller gets this same promise.
      this.connecting.catch(() => {});
    }
  }

  /** Writes a JOIN for the throttle, unless the channel is no longer wanted or already joined. */
  private writeJoin(channel: string): void {
    const session = this.session;
    if (!session?.welcomed || !this.wanted.has(channel) || this.joined.has(channel)) return;
    this.joinsInFlight.add(channel);
    session.transport.send(`JOIN #${channel}`);
    clearTimeout(this.joinTimers.get(channel));
    this.joinTimers.set(
      channel,
      setTimeout(() => {
        this.joinTimers.delete(channel);
        if (this.joinWaiters.has(channel)) {
          this.wanted.delete(channel);
          this.settleJoin(channel, new TmiJoinError(channel, 'timeout', `no JOIN echo within ${this.options.joinTimeoutMs} ms`));
        } else if (this.wanted.has(channel)) {
          // A rejoin nobody waits for: keep trying, the caller still wants the channel.
          this.throttle.enqueue(channel);
        }
      }, this.options.joinTimeoutMs),
    );
  }

  private settleJoin(channel: string, error?: Error): void {
    clearTimeout(this.joinTimers.get(channel));
    this.joinTimers.delete(channel);
    const waiters = this.joinWaiters.get(channel) ?? [];
    this.joinWaiters.delete(channel);
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private settleParts(channel: string): void {
    const waiters = this.partWaiters.get(channel) ?? [];
    this.partWaiters.delete(channel);
    for (const resolve of waiters) resolve();
  }

  private rejectAllJoins(error: Error): void {
    for (const channel of [...this.joinWaiters.keys()]) this.settleJoin(channel, error);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeSleeper = done;
    });
  }

  /**
   * Emits without letting a listener's exception into the socket handlers or the reconnect
   * loop. `error` is only emitted when someone listens (Node would throw otherwise).
   */
  private notify<K extends keyof TmiConnectionEvents>(event: K, ...args: TmiConnectionEvents[K]): void {
    if (event === 'error' && this.listenerCount('error') === 0) return;
    try {
      (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error' && event !== 'protocolError') this.notify('protocolError', error as Error, `(${event} listener)`);
    }
  }
}

/** A channel name as Twitch wants it: no `#`, lowercase; throws RangeError for what is not one. */
export function normalizeChannel(channel: string): string {
  const name = channel.trim().replace(/^#/, '').toLowerCase();
  if (!CHANNEL_NAME.test(name)) throw new RangeError(`not a Twitch channel name: "${channel}"`);
  return name;
}

function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : chars.slice(0, maxChars).join('');
}
