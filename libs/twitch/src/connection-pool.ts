import { EventEmitter } from 'node:events';
import { TmiClosedError, TmiNotConnectedError } from './errors.js';
import { TmiConnection, normalizeChannel, type TmiConnectionEvents, type TmiConnectionOptions, type TmiSendResult } from './tmi-connection.js';

/** What the ingest and delivery need of Twitch chat: one connection, or a pool of them. */
export interface TwitchChatClient extends EventEmitter<TmiConnectionEvents> {
  connect(): Promise<void>;
  close(): Promise<void>;
  join(channel: string): Promise<void>;
  part(channel: string): Promise<void>;
  say(channel: string, text: string, options?: { replyTo?: string }): Promise<TmiSendResult>;
  isModeratorIn(channel: string): boolean;
  joinedChannels(): string[];
}

export interface TmiConnectionPoolOptions {
  /** Options of every connection (they share the account, its token and its JOIN budget); `id` is set by the pool. */
  connection: Omit<TmiConnectionOptions, 'id'>;
  /** A new connection is opened when every open one has this many channels. */
  channelsPerConnection: number;
}

const FORWARDED = ['frame', 'connected', 'disconnected', 'reconnecting', 'privmsg', 'usernotice', 'clearchat', 'clearmsg', 'notice', 'protocolError', 'error'] as const;

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

  /** Sends on {@link connectionFor} the channel; throws TmiNotConnectedError when no connection is up. */
  say(channel: string, text: string, options: { replyTo?: string } = {}): Promise<TmiSendResult> {
    const index = this.connectionFor(channel);
    if (index === undefined) throw new TmiNotConnectedError();
    return this.sayOn(index, channel, text, options);
  }

  /**
   * The index of the connection a message to `channel` goes out on: the one that holds the
   * channel when it is up, else any connected one (Twitch accepts both); undefined when none is.
   */
  connectionFor(channel: string): number | undefined {
    const holder = this.holders.get(normalizeChannel(channel));
    if (holder?.connected) return this.connections.indexOf(holder);
    const index = this.connections.findIndex((connection) => connection.connected);
    return index === -1 ? undefined : index;
  }

  /** Sends on one connection (by index); its answer comes in order with that connection's other sends. */
  sayOn(index: number, channel: string, text: string, options: { replyTo?: string } = {}): Promise<TmiSendResult> {
    const connection = this.connections[index];
    if (!connection) throw new TmiNotConnectedError();
    return connection.say(normalizeChannel(channel), text, options);
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
    // Connections are never removed, so an index stays the same connection for the pool's life.
    const connection = new TmiConnection({ ...this.options.connection, id: this.connections.length });
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
