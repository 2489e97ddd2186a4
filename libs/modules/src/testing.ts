import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookHeaders, verifyWebhookSignature } from './signature.js';

/**
 * Test helpers for code that calls module webhooks: a real HTTP server on 127.0.0.1
 * playing a module. Import from `@parley/modules/testing` (or relatively inside this
 * lib), never in production code.
 */

/** One request the test webhook received. */
export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received. */
  body: Buffer;
  /** Whether `verifyWebhookSignature` accepted it with the server's secret. */
  signatureValid: boolean;
}

/** How the test webhook answers a request. Swap it at any time with `server.handler = ...`. */
export type TestWebhookHandler = (request: ReceivedWebhook, response: ServerResponse) => void;

export const TestWebhookHandlers = {
  /** 200 `{ "reply": text }`. */
  reply:
    (text: string): TestWebhookHandler =>
    (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reply: text }));
    },
  /** Echoes the command and args as the reply. */
  echo: (): TestWebhookHandler => (request, response) => {
    const payload = JSON.parse(request.body.toString('utf8')) as { command: string; args: string[] };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reply: [payload.command, ...payload.args].join(' ') }));
  },
  /** A status with a body, e.g. 500. */
  status:
    (status: number, body = ''): TestWebhookHandler =>
    (_request, response) => {
      response.writeHead(status).end(body);
    },
  /** Answers raw bytes with status 200. */
  raw:
    (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): TestWebhookHandler =>
    (_request, response) => {
      response.writeHead(200, headers).end(body);
    },
  /** Never answers (the connection stays open until the client gives up or the server closes). */
  hang: (): TestWebhookHandler => () => {},
  /** Sends 200 and its headers, then never finishes the body. */
  hangAfterHeaders: (): TestWebhookHandler => (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"reply":');
  },
} as const;

export class TestWebhookServer {
  /** Every request received so far, in order of arrival. */
  readonly received: ReceivedWebhook[] = [];
  handler: TestWebhookHandler = TestWebhookHandlers.reply('ok');

  private constructor(
    private readonly server: Server,
    readonly secret: string,
    readonly url: string,
  ) {}

  /** Starts a server on 127.0.0.1 on a free port, checking signatures with `secret`. */
  static async start(secret: string, handler?: TestWebhookHandler): Promise<TestWebhookServer> {
    let instance: TestWebhookServer | undefined;
    const server = createServer((request, response) => void instance?.handle(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    instance = new TestWebhookServer(server, secret, `http://127.0.0.1:${port}/hook`);
    if (handler) instance.handler = handler;
    return instance;
  }

  /** Drops every open connection (hanging ones included) and stops listening. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-body
    }
    const body = Buffer.concat(chunks);
    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const received: ReceivedWebhook = {
      method: request.method ?? '',
      path: request.url ?? '',
      headers: request.headers,
      body,
      signatureValid: verifyWebhookSignature(this.secret, header(WebhookHeaders.timestamp), body, header(WebhookHeaders.signature)),
    };
    this.received.push(received);
    this.handler(received, response);
  }
}
