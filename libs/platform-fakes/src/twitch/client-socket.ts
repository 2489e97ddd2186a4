import type { Socket } from 'node:net';
import WebSocket from 'ws';

/** One client's connection to the fake, whatever carries it. */
export interface ClientSocket {
  readonly kind: 'irc' | 'ws';
  /** Writes lines; over WebSocket they share one frame, as Twitch does. */
  send(lines: string[]): void;
  /** Writes exactly these bytes: as they are on TCP, as one text frame over WebSocket. */
  writeRaw(data: string | Buffer): void;
  /** Graceful close (flushes what was sent). */
  end(): void;
  /** Drop without a word. */
  destroy(): void;
}

export interface ClientSocketHandlers {
  line(line: string): void;
  tooLong(): void;
  close(): void;
}

export class TcpClientSocket implements ClientSocket {
  readonly kind = 'irc';
  private pending: Buffer = Buffer.alloc(0);
  private discarding = false;

  constructor(
    private readonly socket: Socket,
    maxLineBytes: number,
    handlers: ClientSocketHandlers,
  ) {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    socket.on('close', () => handlers.close());
    socket.on('data', (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      for (let newline = this.pending.indexOf(0x0a); newline !== -1; newline = this.pending.indexOf(0x0a)) {
        const raw = this.pending.subarray(0, newline);
        this.pending = this.pending.subarray(newline + 1);
        if (this.discarding) {
          this.discarding = false;
          continue;
        }
        if (raw.length > maxLineBytes) {
          handlers.tooLong();
          continue;
        }
        const line = raw.toString('utf8').replace(/\r$/, '');
        if (line !== '') handlers.line(line);
        if (socket.destroyed) return;
      }
      // A line that is already too long is dropped up to its end, never buffered.
      if (this.pending.length > maxLineBytes) {
        if (!this.discarding) handlers.tooLong();
        this.discarding = true;
        this.pending = Buffer.alloc(0);
      }
    });
  }

  send(lines: string[]): void {
    if (this.socket.writable && lines.length > 0) this.socket.write(lines.map((line) => `${line}\r\n`).join(''));
  }

  writeRaw(data: string | Buffer): void {
    if (this.socket.writable) this.socket.write(data);
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class WsClientSocket implements ClientSocket {
  readonly kind = 'ws';

  constructor(
    private readonly ws: WebSocket,
    maxLineBytes: number,
    handlers: ClientSocketHandlers,
  ) {
    ws.on('error', () => {});
    ws.on('close', () => handlers.close());
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      // A frame may hold one line without CRLF (tmi.js) or several CRLF-terminated ones.
      for (const line of data.toString().split(/\r?\n/)) {
        if (line === '') continue;
        if (Buffer.byteLength(line) > maxLineBytes) handlers.tooLong();
        else handlers.line(line);
        if (ws.readyState !== WebSocket.OPEN) return;
      }
    });
  }

  send(lines: string[]): void {
    if (this.ws.readyState === WebSocket.OPEN && lines.length > 0) this.ws.send(lines.map((line) => `${line}\r\n`).join(''));
  }

  writeRaw(data: string | Buffer): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data, { binary: false });
  }

  end(): void {
    this.ws.close(1000);
  }

  destroy(): void {
    this.ws.terminate();
  }
}
