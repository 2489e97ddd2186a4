import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';

export interface IrcTransportEvents {
  /** The socket is up; the IRC handshake may start. */
  open: [];
  /** One IRC line, without `\r\n`. */
  line: [string];
  /** Emitted exactly once, whatever ended the transport. */
  close: [{ reason: string }];
}

/**
 * How IRC lines travel: plain TCP, TLS or WebSocket. TMI speaks the same lines over all
 * of them; only framing differs (CRLF-separated stream vs text frames).
 */
export interface IrcTransport extends EventEmitter<IrcTransportEvents> {
  send(line: string): void;
  /** Graceful close; forced after {@link CLOSE_GRACE_MS}. */
  close(): void;
  /** Immediate close; `reason` is what the `close` event reports. */
  destroy(reason: string): void;
}

/** How long a graceful close may take before the socket is destroyed. */
export const CLOSE_GRACE_MS = 1_000;
/** A peer that sends this much without a line break is not speaking IRC. */
export const MAX_PENDING_LINE_CHARS = 1_048_576;

const DEFAULT_PORTS: Record<string, number> = { 'irc:': 6667, 'ircs:': 6697 };

/** `ws://`/`wss://` → WebSocket, `irc://` → TCP, `ircs://` → TLS. */
export function createTransport(url: string): IrcTransport {
  const parsed = new URL(url);
  switch (parsed.protocol) {
    case 'ws:':
    case 'wss:':
      return new WebSocketTransport(url);
    case 'irc:':
    case 'ircs:':
      return new SocketTransport(parsed.hostname, Number(parsed.port) || DEFAULT_PORTS[parsed.protocol]!, parsed.protocol === 'ircs:');
    default:
      throw new RangeError(`unsupported TMI URL scheme ${parsed.protocol} (use ws://, wss://, irc:// or ircs://)`);
  }
}

export function isSupportedTmiUrl(url: string): boolean {
  try {
    return ['ws:', 'wss:', 'irc:', 'ircs:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

abstract class BaseTransport extends EventEmitter<IrcTransportEvents> implements IrcTransport {
  protected reason: string | undefined;
  private finished = false;

  abstract send(line: string): void;
  abstract close(): void;
  abstract destroy(reason: string): void;

  protected emitLines(lines: string[]): void {
    for (const line of lines) {
      if (this.finished) return;
      if (line !== '') this.emit('line', line);
    }
  }

  protected finish(fallbackReason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.emit('close', { reason: this.reason ?? fallbackReason });
  }
}

class SocketTransport extends BaseTransport {
  private readonly socket: Socket;
  private pending = '';
  private opened = false;

  constructor(host: string, port: number, secure: boolean) {
    super();
    this.socket = secure ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
    this.socket.setEncoding('utf8');
    this.socket.setNoDelay(true);
    this.socket.once(secure ? 'secureConnect' : 'connect', () => {
      this.opened = true;
      this.emit('open');
    });
    this.socket.on('data', (chunk: string) => this.onData(chunk));
    this.socket.on('error', (error) => (this.reason ??= error.message));
    this.socket.on('close', () => this.finish('connection closed by server'));
  }

  send(line: string): void {
    if (this.socket.writable) this.socket.write(`${line}\r\n`);
  }

  close(): void {
    this.reason ??= 'closed';
    // Nothing to flush before the handshake is done.
    if (!this.opened) return void this.socket.destroy();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  destroy(reason: string): void {
    this.reason ??= reason;
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    const parts = (this.pending + chunk).split('\n');
    this.pending = parts.pop() ?? '';
    if (this.pending.length > MAX_PENDING_LINE_CHARS) return this.destroy('line too long');
    this.emitLines(parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)));
  }
}

class WebSocketTransport extends BaseTransport {
  private readonly ws: WebSocket;

  constructor(url: string) {
    super();
    // Twitch's endpoint and tmi.js both use the `irc` subprotocol.
    this.ws = new WebSocket(url, 'irc', { maxPayload: MAX_PENDING_LINE_CHARS });
    this.ws.on('open', () => this.emit('open'));
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      // One frame may carry several CRLF-terminated lines.
      this.emitLines(data.toString().split(/\r?\n/));
    });
    this.ws.on('error', (error) => (this.reason ??= error.message));
    this.ws.on('close', (code) => this.finish(`connection closed by server (${code})`));
  }

  send(line: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(line);
  }

  close(): void {
    this.reason ??= 'closed';
    if (this.ws.readyState === WebSocket.CONNECTING) return this.ws.terminate();
    this.ws.close(1000);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  destroy(reason: string): void {
    this.reason ??= reason;
    this.ws.terminate();
  }
}
