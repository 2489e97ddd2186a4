import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a bot-API fake saw: enough to assert how a client called it (never the token itself). */
export interface FakeRequestRecord {
  method: string;
  path: string;
  /** The Authorization scheme used (`Bearer`, `oAuth`), or null. */
  scheme: string | null;
  /** Whether a token was sent in the query string (APIs advise against it). */
  tokenInQuery: boolean;
  status: number;
}

export type Answer = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** The HTTP plumbing the bot-API fakes share: a listener on an ephemeral port, JSON answers, a request log, raw overrides. */
export abstract class HttpApiFake {
  readonly requests: FakeRequestRecord[] = [];
  private server: Server | undefined;
  private readonly raw = new Map<string, string>();

  protected constructor(private readonly host: string) {}

  /** Serve `body` verbatim (malformed JSON, a huge body) for GETs of `path` from now on. */
  setRawResponse(path: string, body: string): void {
    this.raw.set(path, body);
  }

  /** Listens on an ephemeral port; resolves to the base URL (`http://127.0.0.1:<port>`). */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.dispatch(request, response));
    this.server.listen(0, this.host);
    await once(this.server, 'listening');
    return `http://${this.host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = undefined;
  }

  protected abstract handle(request: IncomingMessage, url: URL, body: string, answer: Answer): void | Promise<void>;

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const record: FakeRequestRecord = {
      method: request.method ?? 'GET',
      path: url.pathname,
      scheme: /^(\S+)\s/u.exec(request.headers.authorization ?? '')?.[1] ?? null,
      tokenInQuery: url.searchParams.has('access_token'),
      status: 0,
    };
    this.requests.push(record);
    const answer: Answer = (status, body, headers = {}) => {
      record.status = status;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(text);
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const raw = request.method === 'GET' ? this.raw.get(url.pathname) : undefined;
      if (raw !== undefined) {
        record.status = 200;
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(raw);
        return;
      }
      await this.handle(request, url, Buffer.concat(chunks).toString('utf8'), answer);
    } catch {
      if (!response.headersSent) answer(500, { status: 500, message: 'fake failed' });
    }
  }
}
