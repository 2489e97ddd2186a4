import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TwitchHelixFakeOptions {
  clientId: string;
  /** Decides bearer tokens (without `Bearer `). Default: any non-empty token. */
  acceptToken: (token: string) => boolean;
  /** broadcaster id → user ids that moderate the channel; the broadcaster moderates their own channel. Absent: the moderator check is skipped. */
  moderators: Record<string, readonly string[]> | undefined;
  /** Broadcasters who granted `channel:bot` to the app; absent: every broadcaster did. */
  botGrants: ReadonlySet<string> | undefined;
  host: string;
}

export const DefaultTwitchHelixFakeOptions: TwitchHelixFakeOptions = {
  clientId: 'fake-client-id',
  acceptToken: (token) => token.length > 0,
  moderators: undefined,
  botGrants: undefined,
  host: '127.0.0.1',
};

/** One request the fake answered, for tests to assert on. */
export interface HelixCallRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  token: string;
}

/** What a Helix route handler gets: the parsed request, and `answer` to reply. */
export interface HelixRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  token: string;
}

export interface HelixAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A Helix endpoint: `METHOD /helix/...` → answer. Other fakes (EventSub) register theirs with `addRoute`. */
export type HelixRouteHandler = (request: HelixRequest) => HelixAnswer | Promise<HelixAnswer>;

/** A chat message sent with `POST /helix/chat/messages`. */
export interface HelixChatMessageRecord {
  messageId: string;
  broadcasterId: string;
  senderId: string;
  message: string;
  replyParentMessageId?: string;
  isSent: boolean;
  dropReason?: { code: string; message: string };
}

const error = (status: number, message: string): HelixAnswer => ({
  status,
  body: { error: STATUS_TEXT[status] ?? 'Error', status, message },
});
const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests' };

/**
 * The Helix endpoints Parley calls, shaped like Twitch's (`https://api.twitch.tv/helix`):
 * `Authorization: Bearer` + `Client-Id` on every call, errors as `{error, status, message}`,
 * 429 with `Ratelimit-Limit/Remaining/Reset`. Built in: chat messages
 * (`POST /chat/messages`, with `is_sent:false` drop reasons) and moderation
 * (`DELETE /moderation/chat`, `POST /moderation/bans`). Other endpoints are added with
 * `addRoute` (the EventSub fake registers its conduit and subscription routes).
 */
export class TwitchHelixFake {
  readonly options: TwitchHelixFakeOptions;
  private server: Server | undefined;
  private readonly routes = new Map<string, HelixRouteHandler>();
  private readonly records: HelixCallRecord[] = [];
  private readonly chat: HelixChatMessageRecord[] = [];
  private readonly queuedDrops: Array<{ code: string; message: string }> = [];
  private rateLimitedUntil = 0;
  /** Called for every chat message accepted, so a chat fake can show it to readers. */
  onChatMessage: ((message: HelixChatMessageRecord) => void) | undefined;

  constructor(options: Partial<TwitchHelixFakeOptions> = {}) {
    this.options = { ...DefaultTwitchHelixFakeOptions, ...options };
    this.addRoute('POST', '/chat/messages', (request) => this.sendChatMessage(request));
    this.addRoute('DELETE', '/moderation/chat', (request) => this.deleteChatMessage(request));
    this.addRoute('POST', '/moderation/bans', (request) => this.banUser(request));
  }

  /** Registers `METHOD /helix<path>`; a later registration of the same route replaces it. */
  addRoute(method: string, path: string, handler: HelixRouteHandler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  /** Every call answered (optionally of one `METHOD /path`), oldest first. */
  calls(route?: string): HelixCallRecord[] {
    return route ? this.records.filter((call) => `${call.method} ${call.path}` === route) : [...this.records];
  }

  chatMessages(broadcasterId?: string): HelixChatMessageRecord[] {
    return broadcasterId ? this.chat.filter((message) => message.broadcasterId === broadcasterId) : [...this.chat];
  }

  /** The next chat message is not sent: `is_sent:false` with this drop reason (Twitch's AutoMod, channel settings, ...). */
  dropNextChatMessage(code: string, message: string): void {
    this.queuedDrops.push({ code, message });
  }

  /** Every call gets 429 for `ms`, with `Ratelimit-Reset` at its end. */
  rateLimitFor(ms: number): void {
    this.rateLimitedUntil = Date.now() + ms;
  }

  /** Listens on an ephemeral port; returns the Helix base URL (`http://host:port/helix`). */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.listen(0, this.options.host);
    await once(this.server, 'listening');
    return this.url;
  }

  get url(): string {
    return `http://${this.options.host}:${(this.server!.address() as AddressInfo).port}/helix`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = undefined;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/helix/, '');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const token = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    let answer: HelixAnswer;
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
      answer = await this.route(request.method ?? 'GET', path, url.searchParams, body, token, request.headers['client-id']);
    } catch {
      answer = error(400, 'malformed JSON body');
    }
    this.records.push({ method: request.method ?? 'GET', path, query: Object.fromEntries(url.searchParams), body, status: answer.status, token });
    const headers = { 'ratelimit-limit': '800', 'ratelimit-remaining': '799', 'ratelimit-reset': String(Math.ceil(Date.now() / 1_000) + 60), ...answer.headers };
    if (answer.body === undefined) return void response.writeHead(answer.status, headers).end();
    response.writeHead(answer.status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
  }

  private async route(method: string, path: string, query: URLSearchParams, body: unknown, token: string, clientId: string | string[] | undefined): Promise<HelixAnswer> {
    if (!token || !this.options.acceptToken(token)) return error(401, 'Invalid OAuth token');
    if (clientId !== this.options.clientId) return error(401, 'Client ID and OAuth token do not match');
    if (Date.now() < this.rateLimitedUntil) {
      return { ...error(429, 'Too Many Requests'), headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': String(Math.ceil(this.rateLimitedUntil / 1_000)) } };
    }
    const handler = this.routes.get(`${method} ${path}`);
    if (!handler) return error(404, `no route ${method} ${path}`);
    return handler({ method, path, query, body, token });
  }

  private moderates(broadcasterId: string, moderatorId: string): boolean {
    const { moderators } = this.options;
    return moderators === undefined || broadcasterId === moderatorId || (moderators[broadcasterId] ?? []).includes(moderatorId);
  }

  private sendChatMessage({ body }: HelixRequest): HelixAnswer {
    const { broadcaster_id: broadcasterId, sender_id: senderId, message, reply_parent_message_id: replyTo } = (body ?? {}) as Record<string, unknown>;
    if (typeof broadcasterId !== 'string' || typeof senderId !== 'string' || typeof message !== 'string') {
      return error(400, 'Missing required parameter broadcaster_id, sender_id or message');
    }
    if (message.length > 500) return error(400, 'The message is too long');
    if (this.options.botGrants && !this.options.botGrants.has(broadcasterId) && !this.moderates(broadcasterId, senderId)) {
      return error(403, 'The sender is not permitted to send chat messages to the broadcaster’s chat room (channel:bot not granted)');
    }
    const drop = this.queuedDrops.shift();
    const record: HelixChatMessageRecord = {
      messageId: drop ? '' : randomUUID(),
      broadcasterId,
      senderId,
      message,
      ...(typeof replyTo === 'string' && { replyParentMessageId: replyTo }),
      isSent: !drop,
      ...(drop && { dropReason: drop }),
    };
    this.chat.push(record);
    if (record.isSent) this.onChatMessage?.(record);
    return { status: 200, body: { data: [{ message_id: record.messageId, is_sent: record.isSent, drop_reason: drop ?? null }] } };
  }

  private deleteChatMessage({ query }: HelixRequest): HelixAnswer {
    const broadcasterId = query.get('broadcaster_id');
    const moderatorId = query.get('moderator_id');
    if (!broadcasterId || !moderatorId) return error(400, 'Missing required parameter broadcaster_id or moderator_id');
    if (!this.moderates(broadcasterId, moderatorId)) return error(403, 'The user in moderator_id is not one of the broadcaster’s moderators');
    return { status: 204 };
  }

  private banUser({ query, body }: HelixRequest): HelixAnswer {
    const broadcasterId = query.get('broadcaster_id');
    const moderatorId = query.get('moderator_id');
    const data = ((body ?? {}) as { data?: { user_id?: unknown; duration?: unknown } }).data;
    if (!broadcasterId || !moderatorId || typeof data?.user_id !== 'string') return error(400, 'Missing required parameter broadcaster_id, moderator_id or data.user_id');
    if (data.duration !== undefined && (typeof data.duration !== 'number' || data.duration < 1 || data.duration > 1_209_600)) {
      return error(400, 'The duration must be between 1 and 1,209,600 seconds');
    }
    if (!this.moderates(broadcasterId, moderatorId)) return error(403, 'The user in moderator_id is not one of the broadcaster’s moderators');
    const now = new Date();
    const endTime = typeof data.duration === 'number' ? new Date(now.getTime() + data.duration * 1_000).toISOString() : null;
    return {
      status: 200,
      body: { data: [{ broadcaster_id: broadcasterId, moderator_id: moderatorId, user_id: data.user_id, created_at: now.toISOString(), end_time: endTime }] },
    };
  }
}
