import { EventEmitter } from 'node:events';
import { fullJitterDelay } from '@parley/resilience';
import WebSocket from 'ws';

/** One EventSub WebSocket message as Twitch frames it. */
export interface EventSubFrame {
  metadata: { message_id: string; message_type: string; message_timestamp: string; subscription_type?: string; subscription_version?: string };
  payload: {
    session?: { id: string; status: string; keepalive_timeout_seconds: number | null; reconnect_url: string | null };
    subscription?: { id: string; type: string; status: string; condition: Record<string, string> };
    event?: Record<string, unknown>;
  };
}

export interface EventSubSessionOptions {
  /** `wss://eventsub.wss.twitch.tv/ws`, or a fake's URL. */
  url: string;
  /** Asked of Twitch (10–600); no message for this long plus {@link KEEPALIVE_GRACE_MS} means the socket is dead. */
  keepaliveSeconds: number;
  /** Between reconnect attempts after a failure (full jitter). */
  reconnectBackoff: { baseMs: number; maxMs: number };
}

/** Slack for a keepalive on a busy machine, beyond the interval Twitch promised. */
export const KEEPALIVE_GRACE_MS = 2_000;

export interface EventSubSessionEvents {
  /** A session id is in use: the first welcome, or a new session after a failure (the shard must be assigned again). */
  session: [string];
  /** A notification or revocation. */
  frame: [EventSubFrame];
  /** The socket failed (`reason`); a new session follows. */
  lost: [{ reason: string }];
}

/**
 * One EventSub WebSocket session: welcome, keepalive timeout, `session_reconnect` (the new
 * socket is opened at the URL given, the old one keeps delivering until the new one is
 * welcomed, then it is closed: no gap), and a new session after any failure.
 */
export class EventSubSession extends EventEmitter<EventSubSessionEvents> {
  private socket: WebSocket | undefined;
  private sessionId: string | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private failures = 0;

  constructor(private readonly options: EventSubSessionOptions) {
    super();
  }

  get id(): string | undefined {
    return this.sessionId;
  }

  start(): void {
    this.open(`${this.options.url}?keepalive_timeout_seconds=${this.options.keepaliveSeconds}`, false);
  }

  /** A clean close (1000): Twitch retries nothing sent to it. */
  close(): void {
    this.closed = true;
    clearTimeout(this.silenceTimer);
    this.socket?.close(1000);
  }

  private open(url: string, moving: boolean): void {
    const socket = new WebSocket(url);
    const armSilence = (seconds: number) => {
      if (this.socket !== socket) return;
      clearTimeout(this.silenceTimer);
      this.silenceTimer = setTimeout(() => socket.terminate(), seconds * 1_000 + KEEPALIVE_GRACE_MS);
    };
    socket.on('message', (data) => {
      let frame: EventSubFrame;
      try {
        frame = JSON.parse(data.toString()) as EventSubFrame;
      } catch {
        return;
      }
      const type = frame.metadata?.message_type;
      if (type === 'session_welcome') {
        this.failures = 0;
        const previous = this.socket;
        this.socket = socket;
        // The old socket of a session_reconnect delivered until now; it is done.
        if (moving && previous && previous !== socket) previous.close(1000);
        const id = frame.payload.session!.id;
        armSilence(frame.payload.session!.keepalive_timeout_seconds ?? this.options.keepaliveSeconds);
        if (id !== this.sessionId) {
          this.sessionId = id;
          this.emit('session', id);
        }
        return;
      }
      armSilence(this.options.keepaliveSeconds);
      if (type === 'session_reconnect' && frame.payload.session?.reconnect_url) return this.open(frame.payload.session.reconnect_url, true);
      if (type === 'notification' || type === 'revocation') this.emit('frame', frame);
    });
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => {
      // Not the session's socket (the old one of a move, closed by us; a move that never got its welcome): nothing lost.
      if (this.closed || this.socket !== socket) return;
      this.socket = undefined;
      this.sessionId = undefined;
      clearTimeout(this.silenceTimer);
      this.emit('lost', { reason: `closed ${code}${reason.length ? ` ${reason.toString()}` : ''}` });
      const delay = fullJitterDelay(this.failures++, this.options.reconnectBackoff);
      setTimeout(() => !this.closed && this.start(), delay).unref();
    });
    if (!moving) this.socket = socket;
  }
}
