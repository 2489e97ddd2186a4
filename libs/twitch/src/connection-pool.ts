import { EventEmitter } from 'node:events';
import { TmiClosedError, TmiNotConnectedError } from './errors.js';
import { TmiConnection, normalizeChannel, type TmiConnectionEvents, type TmiConnectionOptions } from './tmi-connection.js';

/** What the ingest and delivery need of Twitch chat: one connection, or a pool of them. */
export interface TwitchChatClient extends EventEmitter<TmiConnectionEvents> {
  connect(): Promise<void>;
  close(): Promise<void>;
  join(channel: string): Promise<void>;
  part(channel: string): Promise<void>;
  say(channel: string, text: string, options?: { replyTo?: string }): void;
  isModeratorIn(channel: string): boolean;
  joinedChannels(): string[];
  /** Epoch ms of the last line received on any connection. */
  readonly lastEventAt: number | undefined;
}

export interface TmiConnectionPoolOptions {
  /** Options of every connection (they share the account, its token and its JOIN budget). */
  connection: TmiConnectionOptions;
  /** A new connection is opened when every open one has this many channels. */
  channelsPerConnection: number;
}

const FORWARDED = ['connected', 'disconnected', 'reconnecting', 'privmsg', 'usernotice', 'clearchat', 'clearmsg', 'notice', 'protocolError', 'error'] as const;

/**
 * Several TMI connections of one bot account behind one client: channels are spread so no
 * connection holds more than `channelsPerConnection`, which bounds what one dropped socket
 * takes down and how long its rejoin takes. Connections open as channels need them; each
 * keeps its own reconnect and rejoin behaviour. Pass the connections a `SharedJoinBudget`:
 * Twitch's JOIN limit is the account's, not a socket's.
 */
export class TmiConnectionPool extends EventEmitter<TmiConnectionEvents> implements TwitchChatClient {
  private readonly connections: TmiConnection[] = [];
  /** channel → the connection that holds (or is joining) it. */
  private readonly holders = new Map<string, TmiConnection>();
  private closed = false;

  constructor(private readonly options: TmiConnectionPoolOptions) {
    super();
    if (!Number.isInteger(options.channelsPerConnection) || options.channelsPerConnection < 1) {
      throw new RangeError(`channelsPerConnection must be a positive integer, got ${options.channelsPerConnection}`);
    }
  }

  get lastEventAt(): number | undefined {
    const times = this.connections.map((connection) => connection.lastEventAt).filter((at): at is number => at !== undefined);
    return times.length ? Math.max(...times) : undefined;
  }

  /** How many sockets the pool holds. */
  get size(): number {
    return this.connections.length;
  }

  /** Opens the first connection, so a refused login surfaces here rather than on a join. */
  async connect(): Promise<void> {
    if (this.closed) throw new TmiClosedError();
    await (this.connections[0] ?? this.open()).connect();
  }

  async join(channel: string): Promise<void> {
    if (this.closed) throw new TmiClosedError();
    const name = normalizeChannel(channel);
    let holder = this.holders.get(name);
    if (!holder) {
      holder = this.leastLoaded() ?? this.open();
      this.holders.set(name, holder);
    }
    try {
      await holder.connect();
      await holder.join(name);
    } catch (error) {
      if (this.holders.get(name) === holder) this.holders.delete(name);
      throw error;
    }
  }

  async part(channel: string): Promise<void> {
    const name = normalizeChannel(channel);
    const holder = this.holders.get(name);
    if (!holder) return;
    this.holders.delete(name);
    await holder.part(name);
  }

  /** Sends on the connection that holds the channel, or any connected one (Twitch accepts both). */
  say(channel: string, text: string, options: { replyTo?: string } = {}): void {
    const name = normalizeChannel(channel);
    const candidates = [this.holders.get(name), ...this.connections].filter((connection): connection is TmiConnection => connection !== undefined);
    for (const connection of candidates) {
      try {
        return connection.say(name, text, options);
      } catch (error) {
        if (!(error instanceof TmiNotConnectedError)) throw error;
      }
    }
    throw new TmiNotConnectedError();
  }

  isModeratorIn(channel: string): boolean {
    return this.connections.some((connection) => connection.isModeratorIn(channel));
  }

  joinedChannels(): string[] {
    return this.connections.flatMap((connection) => connection.joinedChannels());
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.connections.map((connection) => connection.close()));
  }

  private leastLoaded(): TmiConnection | undefined {
    const loads = new Map<TmiConnection, number>(this.connections.map((connection) => [connection, 0]));
    for (const holder of this.holders.values()) loads.set(holder, (loads.get(holder) ?? 0) + 1);
    let best: TmiConnection | undefined;
    for (const [connection, load] of loads) {
      if (load < this.options.channelsPerConnection && (best === undefined || load < loads.get(best)!)) best = connection;
    }
    return best;
  }

  private open(): TmiConnection {
    const connection = new TmiConnection(this.options.connection);
    for (const event of FORWARDED) {
      connection.on(event, (...args: unknown[]) => {
        // A refused login also rejects connect()/join(); without a listener it must not throw inside the socket's handler.
        if (event === 'error' && this.listenerCount('error') === 0) return;
        (this.emit as (name: string, ...rest: unknown[]) => boolean)(event, ...args);
      });
    }
    this.connections.push(connection);
    return connection;
  }
}
