import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const STREAM_LIST_PROTO = fileURLToPath(new URL('./stream_list.proto', import.meta.url));
/** camelCase fields and enum names as strings, the shape this fake keeps its messages in. */
const PROTO_OPTIONS: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: false };

/** What each call costs in quota units (YouTube Data API v3 quota calculator). */
export interface YouTubeQuotaCosts {
  liveBroadcastsList: number;
  videosList: number;
  messagesList: number;
  streamList: number;
  messagesInsert: number;
  messagesDelete: number;
  bansInsert: number;
}

export interface YouTubeFakeOptions {
  host: string;
  /** Units per Google project per day (YouTube's default: 10,000). */
  dailyQuota: number;
  costs: YouTubeQuotaCosts;
  /** What `list` answers tell a poller to wait; a poll sooner gets 403 `rateLimitExceeded`. */
  pollingIntervalMillis: number;
  /** How long the server keeps a `streamList` call open before ending it (undocumented by YouTube). */
  streamHoldMs: number;
  /** Recent messages a read without a page token starts with. */
  historyOnConnect: number;
  /** Longest message `liveChatMessages.insert` accepts. */
  maxMessageChars: number;
  /** false: `streamList` answers UNIMPLEMENTED, as for a project without access to it. */
  streaming: boolean;
}

export const DefaultYouTubeFakeOptions: YouTubeFakeOptions = {
  host: '127.0.0.1',
  dailyQuota: 10_000,
  costs: { liveBroadcastsList: 1, videosList: 1, messagesList: 5, streamList: 5, messagesInsert: 50, messagesDelete: 50, bansInsert: 50 },
  pollingIntervalMillis: 5_000,
  streamHoldMs: 10 * 60_000,
  historyOnConnect: 20,
  maxMessageChars: 200,
  streaming: true,
};

/** A chat participant, as `authorDetails` describes them. */
export interface YouTubeAuthor {
  channelId: string;
  displayName: string;
  isChatOwner?: boolean;
  isChatModerator?: boolean;
  isChatSponsor?: boolean;
  isVerified?: boolean;
}

/** A `youtube#liveChatMessage` resource, in the REST API's JSON shape. */
export interface LiveChatMessageResource {
  kind: 'youtube#liveChatMessage';
  etag: string;
  id: string;
  snippet: Record<string, unknown> & { type: string; liveChatId: string; publishedAt: string };
  authorDetails: Record<string, unknown> & { channelId: string; displayName: string };
}

/** One metered call, for tests that check the quota is spent as planned. */
export interface YouTubeCallRecord {
  method: keyof YouTubeQuotaCosts;
  project: string;
  cost: number;
  /** Whether it was charged and served (false: refused before any work, e.g. quota gone). */
  served: boolean;
  at: number;
}

interface Credential {
  project: string;
  /** The channel the token belongs to (`mine=true`). */
  channelId: string;
}

/** A refresh token the fake's OAuth endpoint (`POST /token`) exchanges for access tokens of `credential`. */
export interface YouTubeRefreshGrant {
  clientId: string;
  clientSecret: string;
  credential: Credential;
  /** Lifetime of each access token issued (Google: about an hour). */
  accessTokenTtlSeconds?: number;
}

interface Chat {
  liveChatId: string;
  videoId: string;
  channelId: string;
  items: LiveChatMessageResource[];
  ended: boolean;
  startedAt: string;
  endedAt?: string;
}

interface OpenStream {
  call: grpc.ServerWritableStream<{ liveChatId?: string; pageToken?: string }, unknown>;
  chat: Chat;
  timer: NodeJS.Timeout;
}

/** An error as the Data API reports it: HTTP status and `errors[0].reason`. */
class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly domain = 'youtube.liveChat',
  ) {
    super(message);
  }
}

const GRPC_STATUS_BY_REASON: Record<string, grpc.status> = {
  quotaExceeded: grpc.status.RESOURCE_EXHAUSTED,
  rateLimitExceeded: grpc.status.RESOURCE_EXHAUSTED,
  liveChatEnded: grpc.status.FAILED_PRECONDITION,
  liveChatDisabled: grpc.status.FAILED_PRECONDITION,
  liveChatNotFound: grpc.status.NOT_FOUND,
  authError: grpc.status.UNAUTHENTICATED,
};

/**
 * YouTube Live chat in miniature: the Data API v3 REST endpoints a chat bot uses
 * (`liveBroadcasts.list`, `videos.list`, `liveChatMessages.list/insert/delete`,
 * `liveChatBans.insert`) with YouTube's JSON shapes and error bodies, and the
 * `liveChatMessages.streamList` gRPC service (recent history, then pushes; resumable by
 * page token; ended by the server after `streamHoldMs`). Every call is charged to the
 * caller's Google project, refused with `quotaExceeded` once the day's units are gone,
 * and recorded in `calls`. Emits `message` with every item added to any chat (the bot's too).
 */
export class YouTubeFake extends EventEmitter<{ message: [LiveChatMessageResource] }> {
  readonly options: YouTubeFakeOptions;
  readonly calls: YouTubeCallRecord[] = [];
  /** Every refusal served, by reason (`quotaExceeded`, `rateLimitExceeded`, …). */
  readonly refusals: string[] = [];
  private http: Server | undefined;
  private grpcServer: grpc.Server | undefined;
  private readonly credentials = new Map<string, Credential>();
  private readonly chats = new Map<string, Chat>();
  private readonly unitsUsed = new Map<string, number>();
  /** liveChatId + token → when that poller may poll again. */
  private readonly nextPollAt = new Map<string, number>();
  private readonly streams = new Set<OpenStream>();
  private readonly refreshGrants = new Map<string, YouTubeRefreshGrant>();
  /** Access tokens issued by `POST /token`, in order: tests count refreshes with it. */
  readonly issuedTokens: string[] = [];
  private sequence = 0;

  constructor(options: Partial<YouTubeFakeOptions> = {}) {
    super();
    this.options = { ...DefaultYouTubeFakeOptions, ...options, costs: { ...DefaultYouTubeFakeOptions.costs, ...options.costs } };
  }

  /** Starts the REST server and the gRPC server on ephemeral ports. */
  async start(): Promise<{ restUrl: string; grpcAddress: string }> {
    this.http = createServer((request, response) => void this.handle(request, response));
    this.http.listen(0, this.options.host);
    await once(this.http, 'listening');
    const definition = protoLoader.loadSync(STREAM_LIST_PROTO, PROTO_OPTIONS);
    const proto = grpc.loadPackageDefinition(definition) as unknown as {
      youtube: { api: { v3: { V3DataLiveChatMessageService: { service: grpc.ServiceDefinition } } } };
    };
    this.grpcServer = new grpc.Server();
    this.grpcServer.addService(proto.youtube.api.v3.V3DataLiveChatMessageService.service, { StreamList: (call: OpenStream['call']) => this.streamList(call) });
    const port = await new Promise<number>((resolve, reject) =>
      this.grpcServer!.bindAsync(`${this.options.host}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    return { restUrl: `http://${this.options.host}:${(this.http.address() as AddressInfo).port}/youtube/v3`, grpcAddress: `${this.options.host}:${port}` };
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) this.closeStream(stream, { code: grpc.status.UNAVAILABLE, details: 'server shutting down' });
    this.grpcServer?.forceShutdown();
    this.grpcServer = undefined;
    if (this.http) {
      this.http.closeAllConnections();
      await new Promise((resolve) => this.http!.close(resolve));
      this.http = undefined;
    }
  }

  /** An OAuth access token of `channelId`, billed to Google project `project`. */
  addToken(token: string, credential: Credential): void {
    this.credentials.set(token, credential);
  }

  /** A refresh token Google's token endpoint (here `POST /token`) accepts. */
  addRefreshToken(refreshToken: string, grant: YouTubeRefreshGrant): void {
    this.refreshGrants.set(refreshToken, grant);
  }

  /** The channel goes live: a broadcast with its own live chat. */
  startBroadcast(channelId: string): { videoId: string; liveChatId: string } {
    const n = ++this.sequence;
    const chat: Chat = { liveChatId: `chat-${channelId}-${n}`, videoId: `video-${n}`, channelId, items: [], ended: false, startedAt: new Date().toISOString() };
    this.chats.set(chat.liveChatId, chat);
    return { videoId: chat.videoId, liveChatId: chat.liveChatId };
  }

  /** The broadcast ends: a `chatEndedEvent`, open streams end, reads get 403 `liveChatEnded`. */
  endBroadcast(liveChatId: string): void {
    const chat = this.chat(liveChatId);
    this.append(chat, { type: 'chatEndedEvent', hasDisplayContent: false }, { channelId: chat.channelId, displayName: chat.channelId, isChatOwner: true });
    chat.ended = true;
    chat.endedAt = new Date().toISOString();
    for (const stream of this.streams) if (stream.chat === chat) this.closeStream(stream);
  }

  /** A viewer writes in a live chat; returns the message id. */
  viewerSay(liveChatId: string, author: YouTubeAuthor, text: string): string {
    return this.append(this.chat(liveChatId), { type: 'textMessageEvent', displayMessage: text, textMessageDetails: { messageText: text } }, author).id;
  }

  /** Any other event (Super Chat, membership, …): `snippet` fields beyond type, chat and time. */
  addEvent(liveChatId: string, author: YouTubeAuthor, snippet: Record<string, unknown> & { type: string }): string {
    return this.append(this.chat(liveChatId), snippet, author).id;
  }

  /** Every message of a chat, the bot's own included. */
  messages(liveChatId: string): LiveChatMessageResource[] {
    return [...this.chat(liveChatId).items];
  }

  unitsUsedBy(project: string): number {
    return this.unitsUsed.get(project) ?? 0;
  }

  /** Midnight Pacific time: every project's quota is whole again. */
  resetQuota(): void {
    this.unitsUsed.clear();
  }

  /** Drops every open `streamList` call with UNAVAILABLE, as a network failure would. */
  dropStreams(): number {
    const count = this.streams.size;
    for (const stream of this.streams) this.closeStream(stream, { code: grpc.status.UNAVAILABLE, details: 'connection reset' });
    return count;
  }

  openStreams(): number {
    return this.streams.size;
  }

  private chat(liveChatId: string): Chat {
    const chat = this.chats.get(liveChatId);
    if (!chat) throw new ApiError(404, 'liveChatNotFound', 'The live chat that you are trying to retrieve cannot be found.');
    return chat;
  }

  private append(chat: Chat, snippet: Record<string, unknown> & { type: string }, author: YouTubeAuthor): LiveChatMessageResource {
    const id = `LCC.${chat.liveChatId}.${chat.items.length + 1}`;
    const item: LiveChatMessageResource = {
      kind: 'youtube#liveChatMessage',
      etag: `etag-${id}`,
      id,
      snippet: { hasDisplayContent: true, ...snippet, liveChatId: chat.liveChatId, authorChannelId: author.channelId, publishedAt: new Date().toISOString() },
      authorDetails: {
        channelUrl: `http://www.youtube.com/channel/${author.channelId}`,
        profileImageUrl: `https://yt3.ggpht.example/${author.channelId}`,
        isVerified: false,
        isChatOwner: false,
        isChatSponsor: false,
        isChatModerator: false,
        ...author,
      },
    };
    chat.items.push(item);
    this.emit('message', item);
    for (const stream of this.streams) if (stream.chat === chat) stream.call.write(this.streamPage(chat, [item], chat.items.length));
    return item;
  }

  /** Checks the token and charges the call; throws the API's error when it cannot be served. */
  private charge(method: keyof YouTubeQuotaCosts, token: string | undefined): Credential {
    const credential = token === undefined ? undefined : this.credentials.get(token);
    if (!credential) throw new ApiError(401, 'authError', 'Request had invalid authentication credentials.', 'global');
    const cost = this.options.costs[method];
    const used = this.unitsUsed.get(credential.project) ?? 0;
    const record = { method, project: credential.project, cost, served: false, at: Date.now() };
    this.calls.push(record);
    if (used + cost > this.options.dailyQuota) {
      throw new ApiError(403, 'quotaExceeded', 'The request cannot be completed because you have exceeded your quota.', 'youtube.quota');
    }
    this.unitsUsed.set(credential.project, used + cost);
    record.served = true;
    return credential;
  }

  private static pageToken(index: number): string {
    return Buffer.from(`p${index}`).toString('base64url');
  }

  /** Where a read resumes: after the page token's position, or at the recent history. */
  private startIndex(chat: Chat, pageToken: string | undefined): number {
    if (!pageToken) return Math.max(0, chat.items.length - this.options.historyOnConnect);
    const match = /^p(\d+)$/.exec(Buffer.from(pageToken, 'base64url').toString());
    if (!match) throw new ApiError(400, 'pageTokenInvalid', 'The request specifies an invalid page token.');
    return Math.min(Number(match[1]), chat.items.length);
  }

  private listPage(chat: Chat, from: number) {
    const items = chat.items.slice(from);
    return {
      kind: 'youtube#liveChatMessageListResponse',
      etag: `etag-${chat.liveChatId}-${chat.items.length}`,
      pollingIntervalMillis: this.options.pollingIntervalMillis,
      ...(chat.endedAt && { offlineAt: chat.endedAt }),
      pageInfo: { totalResults: items.length, resultsPerPage: items.length },
      nextPageToken: YouTubeFake.pageToken(chat.items.length),
      items,
    };
  }

  // ---- gRPC: liveChatMessages.streamList ----

  private streamList(call: OpenStream['call']): void {
    const token = String(call.metadata.get('authorization')[0] ?? '').replace(/^Bearer /, '') || undefined;
    if (!this.options.streaming) return void call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'streamList is not enabled' });
    try {
      this.charge('streamList', token);
      const chat = this.chat(call.request.liveChatId ?? '');
      if (chat.ended) throw new ApiError(403, 'liveChatEnded', 'The live chat is no longer live.');
      const from = this.startIndex(chat, call.request.pageToken || undefined);
      const stream: OpenStream = { call, chat, timer: setTimeout(() => this.closeStream(stream), this.options.streamHoldMs) };
      this.streams.add(stream);
      call.on('cancelled', () => this.forget(stream));
      call.write(this.streamPage(chat, chat.items.slice(from), chat.items.length));
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(500, 'backendError', String(error));
      this.refusals.push(failure.reason);
      const trailer = new grpc.Metadata();
      trailer.set('reason', failure.reason);
      call.emit('error', { code: GRPC_STATUS_BY_REASON[failure.reason] ?? grpc.status.INTERNAL, details: `${failure.reason}: ${failure.message}`, metadata: trailer });
    }
  }

  /** A streamed response: the items as the proto has them (enum names, snake-cased by the loader). */
  private streamPage(chat: Chat, items: LiveChatMessageResource[], next: number) {
    return {
      kind: 'youtube#liveChatMessageListResponse',
      etag: `etag-${chat.liveChatId}-${next}`,
      ...(chat.endedAt && { offlineAt: chat.endedAt }),
      pageInfo: { totalResults: items.length, resultsPerPage: items.length },
      nextPageToken: YouTubeFake.pageToken(next),
      items: items.map((item) => ({
        ...item,
        snippet: {
          ...item.snippet,
          type: toEnumName(item.snippet.type),
          ...(isRecord(item.snippet['userBannedDetails']) && {
            userBannedDetails: { ...item.snippet['userBannedDetails'], banType: toEnumName(String(item.snippet['userBannedDetails']['banType'])) },
          }),
        },
      })),
    };
  }

  private closeStream(stream: OpenStream, error?: { code: grpc.status; details: string }): void {
    this.forget(stream);
    if (error) stream.call.emit('error', error);
    else stream.call.end();
  }

  private forget(stream: OpenStream): void {
    clearTimeout(stream.timer);
    this.streams.delete(stream);
  }

  // ---- REST ----

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const route = `${request.method} ${url.pathname.replace(/^\/youtube\/v3/, '')}`;
    if (route === 'POST /token') return this.token(request, response);
    try {
      const body = request.method === 'POST' ? await readJson(request) : undefined;
      switch (route) {
        case 'GET /liveBroadcasts':
          return send(response, 200, this.listBroadcasts(token, url));
        case 'GET /videos':
          return send(response, 200, this.listVideos(token, url));
        case 'GET /liveChat/messages':
          return send(response, 200, this.listMessages(token, url));
        case 'POST /liveChat/messages':
          return send(response, 200, this.insertMessage(token, body));
        case 'DELETE /liveChat/messages':
          this.deleteMessage(token, url);
          return send(response, 204);
        case 'POST /liveChat/bans':
          return send(response, 200, this.insertBan(token, body));
        default:
          throw new ApiError(404, 'notFound', `No route ${route}`, 'global');
      }
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(400, 'badRequest', (error as Error).message, 'global');
      this.refusals.push(failure.reason);
      send(response, failure.code, { error: { code: failure.code, message: failure.message, errors: [{ domain: failure.domain, reason: failure.reason, message: failure.message }] } });
    }
  }

  /** Google's OAuth token endpoint, refresh grant only: `{access_token, expires_in, token_type}` or `{error}`. */
  private async token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const grant = this.refreshGrants.get(form.get('refresh_token') ?? '');
    if (form.get('grant_type') !== 'refresh_token') return send(response, 400, { error: 'unsupported_grant_type' });
    if (!grant || grant.clientId !== form.get('client_id') || grant.clientSecret !== form.get('client_secret')) {
      return send(response, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    }
    const accessToken = `ya29.fake-${++this.sequence}`;
    this.credentials.set(accessToken, grant.credential);
    this.issuedTokens.push(accessToken);
    send(response, 200, { access_token: accessToken, expires_in: grant.accessTokenTtlSeconds ?? 3_599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/youtube' });
  }

  private listBroadcasts(token: string | undefined, url: URL) {
    const { channelId } = this.charge('liveBroadcastsList', token);
    if (url.searchParams.get('mine') !== 'true') throw new ApiError(400, 'incompatibleParameters', 'Only mine=true is supported by this fake.');
    const status = url.searchParams.get('broadcastStatus') ?? 'all';
    const items = [...this.chats.values()]
      .filter((chat) => chat.channelId === channelId && (status === 'all' || (status === 'active') === !chat.ended))
      .map((chat) => ({
        kind: 'youtube#liveBroadcast',
        id: chat.videoId,
        snippet: { channelId: chat.channelId, liveChatId: chat.liveChatId, actualStartTime: chat.startedAt, ...(chat.endedAt && { actualEndTime: chat.endedAt }) },
        status: { lifeCycleStatus: chat.ended ? 'complete' : 'live' },
      }));
    return { kind: 'youtube#liveBroadcastListResponse', pageInfo: { totalResults: items.length, resultsPerPage: items.length }, items };
  }

  private listVideos(token: string | undefined, url: URL) {
    this.charge('videosList', token);
    const ids = new Set((url.searchParams.get('id') ?? '').split(',').filter(Boolean));
    const items = [...this.chats.values()]
      .filter((chat) => ids.has(chat.videoId))
      .map((chat) => ({
        kind: 'youtube#video',
        id: chat.videoId,
        liveStreamingDetails: { actualStartTime: chat.startedAt, ...(chat.ended ? { actualEndTime: chat.endedAt } : { activeLiveChatId: chat.liveChatId }) },
      }));
    return { kind: 'youtube#videoListResponse', pageInfo: { totalResults: items.length, resultsPerPage: items.length }, items };
  }

  private listMessages(token: string | undefined, url: URL) {
    this.charge('messagesList', token);
    const chat = this.chat(url.searchParams.get('liveChatId') ?? '');
    if (chat.ended) throw new ApiError(403, 'liveChatEnded', 'The live chat is no longer live.');
    const pollerKey = `${chat.liveChatId}\n${token}`;
    if ((this.nextPollAt.get(pollerKey) ?? 0) > Date.now()) {
      throw new ApiError(403, 'rateLimitExceeded', 'The request was sent too soon after the previous one.');
    }
    this.nextPollAt.set(pollerKey, Date.now() + this.options.pollingIntervalMillis);
    return this.listPage(chat, this.startIndex(chat, url.searchParams.get('pageToken') ?? undefined));
  }

  private insertMessage(token: string | undefined, body: unknown) {
    const credential = this.charge('messagesInsert', token);
    const snippet = isRecord(body) && isRecord(body['snippet']) ? body['snippet'] : {};
    const details = isRecord(snippet['textMessageDetails']) ? snippet['textMessageDetails'] : {};
    const text = typeof details['messageText'] === 'string' ? details['messageText'] : '';
    if (snippet['type'] !== 'textMessageEvent' || !text) throw new ApiError(400, 'invalidValue', 'snippet.type must be textMessageEvent with textMessageDetails.messageText.');
    if ([...text].length > this.options.maxMessageChars) throw new ApiError(400, 'messageTextTooLong', `The message is longer than ${this.options.maxMessageChars} characters.`);
    const chat = this.chat(String(snippet['liveChatId'] ?? ''));
    if (chat.ended) throw new ApiError(403, 'liveChatEnded', 'The live chat is no longer live.');
    const owner = chat.channelId === credential.channelId;
    return this.append(chat, { type: 'textMessageEvent', displayMessage: text, textMessageDetails: { messageText: text } }, {
      channelId: credential.channelId,
      displayName: credential.channelId,
      isChatOwner: owner,
    });
  }

  private deleteMessage(token: string | undefined, url: URL): void {
    const credential = this.charge('messagesDelete', token);
    const id = url.searchParams.get('id') ?? '';
    const chat = [...this.chats.values()].find((candidate) => candidate.items.some((item) => item.id === id));
    if (!chat) throw new ApiError(404, 'liveChatMessageNotFound', 'The message that you are trying to delete cannot be found.');
    this.append(chat, { type: 'messageDeletedEvent', messageDeletedDetails: { deletedMessageId: id } }, { channelId: credential.channelId, displayName: credential.channelId, isChatModerator: true });
  }

  private insertBan(token: string | undefined, body: unknown) {
    const credential = this.charge('bansInsert', token);
    const snippet = isRecord(body) && isRecord(body['snippet']) ? body['snippet'] : {};
    const banned = isRecord(snippet['bannedUserDetails']) ? snippet['bannedUserDetails'] : {};
    const type = snippet['type'];
    if ((type !== 'permanent' && type !== 'temporary') || typeof banned['channelId'] !== 'string') {
      throw new ApiError(400, 'invalidValue', 'snippet.type must be permanent or temporary, with bannedUserDetails.channelId.');
    }
    const chat = this.chat(String(snippet['liveChatId'] ?? ''));
    const duration = type === 'temporary' ? String(snippet['banDurationSeconds'] ?? 300) : undefined;
    this.append(
      chat,
      { type: 'userBannedEvent', userBannedDetails: { bannedUserDetails: { channelId: banned['channelId'] }, banType: type, ...(duration && { banDurationSeconds: duration }) } },
      { channelId: credential.channelId, displayName: credential.channelId, isChatModerator: true },
    );
    return { kind: 'youtube#liveChatBan', id: `ban-${++this.sequence}`, snippet: { ...snippet, ...(duration && { banDurationSeconds: duration }) } };
  }
}

/** `textMessageEvent` → `TEXT_MESSAGE_EVENT`: the REST value as the proto's enum name. */
function toEnumName(value: string): string {
  return value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'parseError', 'Parse Error', 'global');
  }
}

function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) return void response.writeHead(status).end();
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
}
