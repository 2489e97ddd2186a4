import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { youtube_v3 } from '@googleapis/youtube';
import { QuotaExhaustedError, YouTubeApiError } from './errors.js';
import type { LiveChatItem } from './normalize.js';
import { STREAM_LIST_PROTO, STREAM_LIST_PROTO_OPTIONS } from './proto.js';
import { pacificQuotaDay, type QuotaBudget } from './quota-budget.js';

/** A page of a live chat, whichever transport read it. */
export interface LiveChatPage {
  items: LiveChatItem[];
  /** Where the next read resumes: nothing before it is read again. */
  nextPageToken: string | undefined;
}

export interface RequiredLiveChatReaderOptions {
  liveChatId: string;
  /** The Google project the reads are charged to (its own budget). */
  project: string;
  budget: QuotaBudget;
  /** The current OAuth access token of the reading account. */
  accessToken: () => Promise<string>;
  /** `host:port` of the `streamList` gRPC service (YouTube: youtube.googleapis.com:443). */
  grpcAddress: string;
  /** The Data API client, for `list` polling when streaming is unavailable. */
  api: youtube_v3.Youtube;
  /**
   * Called with each page, in order; the reader moves past a page only once this resolved,
   * so a crash between the two reads the page again (publish-once drops the repeat).
   */
  onPage: (page: LiveChatPage) => Promise<void>;
}

export interface OptionalLiveChatReaderOptions {
  /** Where to resume (a page token saved before a restart); none: recent history, then live. */
  pageToken: string | undefined;
  /** TLS to the gRPC service (YouTube); plain for the local fake. */
  grpcTls: boolean;
  /** Units one `streamList` call and one `list` poll cost (both documented at 5). */
  streamCost: number;
  listCost: number;
  /** Back-off between failed stream attempts, doubled up to `maxRetryMs`. */
  retryMs: number;
  maxRetryMs: number;
  /** Stream failures in a row (not counting the server's ordinary end) before falling back to polling. */
  streamFailuresBeforePolling: number;
  /** A quiet chat is polled ever more slowly, up to this, whatever `pollingIntervalMillis` allows. */
  maxPollIntervalMs: number;
  /** While polling, streaming is tried again this often. */
  streamRetryWhilePollingMs: number;
}

export type LiveChatReaderOptions = RequiredLiveChatReaderOptions & Partial<OptionalLiveChatReaderOptions>;

export const DefaultLiveChatReaderOptions: OptionalLiveChatReaderOptions = {
  pageToken: undefined,
  grpcTls: true,
  streamCost: 5,
  listCost: 5,
  retryMs: 1_000,
  maxRetryMs: 60_000,
  streamFailuresBeforePolling: 3,
  maxPollIntervalMs: 30_000,
  streamRetryWhilePollingMs: 10 * 60_000,
};

/** How the chat is being read now. */
export type LiveChatReaderState = 'idle' | 'streaming' | 'polling' | 'waiting-for-quota' | 'ended' | 'stopped';

interface LiveChatReaderEvents {
  state: [LiveChatReaderState, string];
  error: [Error];
}

interface StreamListResponse {
  items?: LiveChatItem[];
  nextPageToken?: string;
  offlineAt?: string;
}

type StreamListClient = grpc.Client & {
  StreamList(request: object, metadata: grpc.Metadata): grpc.ClientReadableStream<StreamListResponse>;
};

let serviceConstructor: (new (address: string, credentials: grpc.ChannelCredentials) => StreamListClient) | undefined;
function streamListService() {
  if (!serviceConstructor) {
    const proto = grpc.loadPackageDefinition(protoLoader.loadSync(STREAM_LIST_PROTO, STREAM_LIST_PROTO_OPTIONS)) as unknown as {
      youtube: { api: { v3: { V3DataLiveChatMessageService: typeof serviceConstructor } } };
    };
    serviceConstructor = proto.youtube.api.v3.V3DataLiveChatMessageService;
  }
  return serviceConstructor!;
}

/** Why a stream ended: the server's ordinary close, the chat's end, or a failure. */
type StreamOutcome = { kind: 'closed' } | { kind: 'ended' } | { kind: 'failed'; error: Error; unimplemented: boolean; delivered: boolean };

/**
 * Reads one live chat for as long as it is live: `liveChatMessages.streamList` first (one
 * charge per call, however long the server keeps it open), resumed from the last page
 * token after any end or drop, so nothing is skipped and nothing read twice; `list` polling
 * as the fallback when streaming fails, never sooner than `pollingIntervalMillis` and
 * slower while the chat is quiet. Every call is charged to the project's budget before it
 * is made; a spent budget waits for the reset instead of failing.
 */
export class LiveChatReader extends EventEmitter<LiveChatReaderEvents> {
  readonly options: RequiredLiveChatReaderOptions & OptionalLiveChatReaderOptions;
  private token: string | undefined;
  private current: LiveChatReaderState = 'idle';
  private running = false;
  private client: StreamListClient | undefined;
  private call: grpc.ClientReadableStream<StreamListResponse> | undefined;
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;
  /** Pages are handed over one at a time, in order. */
  private pages: Promise<void> = Promise.resolve();

  constructor(options: LiveChatReaderOptions) {
    super();
    this.options = { ...DefaultLiveChatReaderOptions, ...options };
    this.token = this.options.pageToken;
  }

  get state(): LiveChatReaderState {
    return this.current;
  }

  /** The page token the next read resumes from (save it to resume after a restart). */
  get pageToken(): string | undefined {
    return this.token;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((error: unknown) => this.emitError(error));
  }

  /** Resolves once the chat ended (or the reader was stopped). */
  async done(): Promise<void> {
    await this.loop;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopped.abort();
    this.call?.cancel();
    await this.loop;
    this.client?.close();
    this.setState('stopped', 'stopped');
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      if (!(await this.charge(this.options.streamCost))) continue;
      const outcome = await this.streamOnce();
      await this.pages;
      if (outcome.kind === 'ended') return this.setState('ended', 'the live chat ended');
      if (outcome.kind === 'closed') {
        failures = 0;
        continue;
      }
      if (!this.running) return;
      const apiError = outcome.error instanceof YouTubeApiError ? outcome.error : undefined;
      if (apiError?.chatOver) return this.setState('ended', apiError.reason);
      if (apiError?.reason === 'quotaExceeded') {
        // Spent by someone our budget does not see (another app on the project): wait for the reset.
        this.setState('waiting-for-quota', apiError.message);
        await this.pause(pacificQuotaDay(this.options.budget.options.now()).endsInMs);
        continue;
      }
      // A stream that worked before it dropped is a fresh start, not one more failure in a row.
      failures = outcome.delivered ? 1 : failures + 1;
      this.emitError(outcome.error);
      if (outcome.unimplemented || failures >= this.options.streamFailuresBeforePolling) {
        if ((await this.poll()) === 'ended') return this.setState('ended', 'the live chat ended');
        failures = 0;
        continue;
      }
      await this.pause(Math.min(this.options.maxRetryMs, this.options.retryMs * 2 ** (failures - 1)));
    }
  }

  /** Charges one call; false (after waiting for the reset) when the budget was spent. */
  private async charge(units: number): Promise<boolean> {
    try {
      await this.options.budget.charge(this.options.project, units, 'read', this.options.liveChatId);
      return true;
    } catch (error) {
      if (!(error instanceof QuotaExhaustedError)) throw error;
      this.setState('waiting-for-quota', error.message);
      await this.pause(error.retryAfterMs);
      return false;
    }
  }

  private async streamOnce(): Promise<StreamOutcome> {
    const { grpcAddress, grpcTls, liveChatId } = this.options;
    const Service = streamListService();
    this.client ??= new Service(grpcAddress, grpcTls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure());
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${await this.options.accessToken()}`);
    const call = this.client.StreamList({ liveChatId, part: ['snippet', 'authorDetails'], ...(this.token && { pageToken: this.token }) }, metadata);
    this.call = call;
    this.setState('streaming', 'streamList open');
    let ended = false;
    let delivered = false;
    return new Promise<StreamOutcome>((resolve) => {
      call.on('data', (response: StreamListResponse) => {
        delivered = true;
        const items = response.items ?? [];
        if (response.offlineAt || items.some((item) => item.snippet?.type === 'CHAT_ENDED_EVENT')) ended = true;
        this.hand({ items, nextPageToken: response.nextPageToken });
      });
      call.on('error', (error: grpc.ServiceError) => {
        const reason = String(error.metadata?.get('reason')[0] ?? error.details.split(':')[0]);
        if (error.code === grpc.status.CANCELLED && !this.running) return resolve({ kind: 'closed' });
        resolve({
          kind: 'failed',
          error: new YouTubeApiError(grpcToHttp(error.code), reason, error.details),
          unimplemented: error.code === grpc.status.UNIMPLEMENTED,
          delivered,
        });
      });
      call.on('end', () => resolve(ended ? { kind: 'ended' } : { kind: 'closed' }));
    });
  }

  /** Polls `list` until the chat ends or it is time to try streaming again. */
  private async poll(): Promise<'ended' | 'retry-stream'> {
    this.setState('polling', 'streamList unavailable: polling liveChatMessages.list');
    const until = performance.now() + this.options.streamRetryWhilePollingMs;
    let quiet = 0;
    while (this.running && performance.now() < until) {
      if (!(await this.charge(this.options.listCost))) continue;
      let response: youtube_v3.Schema$LiveChatMessageListResponse;
      try {
        const result = await this.options.api.liveChatMessages.list(
          { liveChatId: this.options.liveChatId, part: ['snippet', 'authorDetails'], ...(this.token && { pageToken: this.token }) },
          { headers: { authorization: `Bearer ${await this.options.accessToken()}` }, retry: false },
        );
        response = result.data;
      } catch (error) {
        const apiError = asApiError(error);
        if (apiError.chatOver) return 'ended';
        this.emitError(apiError);
        await this.pause(this.options.retryMs);
        continue;
      }
      const items = (response.items ?? []) as LiveChatItem[];
      this.hand({ items, nextPageToken: response.nextPageToken ?? undefined });
      await this.pages;
      if (response.offlineAt || items.some((item) => item.snippet?.type === 'chatEndedEvent')) return 'ended';
      quiet = items.length === 0 ? quiet + 1 : 0;
      const allowed = response.pollingIntervalMillis ?? 5_000;
      await this.pause(Math.min(this.options.maxPollIntervalMs, Math.max(allowed, allowed * 2 ** Math.min(quiet, 4))));
    }
    return 'retry-stream';
  }

  private hand(page: LiveChatPage): void {
    this.pages = this.pages.then(async () => {
      await this.options.onPage(page);
      if (page.nextPageToken) this.token = page.nextPageToken;
    });
    this.pages.catch((error: unknown) => this.emitError(error));
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopped.signal }).catch(() => undefined);
  }

  private setState(state: LiveChatReaderState, why: string): void {
    if (state === this.current) return;
    this.current = state;
    this.emit('state', state, why);
  }

  private emitError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error instanceof Error ? error : new Error(String(error)));
  }
}

function grpcToHttp(code: grpc.status): number {
  switch (code) {
    case grpc.status.UNAUTHENTICATED:
      return 401;
    case grpc.status.NOT_FOUND:
      return 404;
    case grpc.status.RESOURCE_EXHAUSTED:
    case grpc.status.FAILED_PRECONDITION:
    case grpc.status.PERMISSION_DENIED:
      return 403;
    default:
      return 503;
  }
}

/** A Data API client error (gaxios) as a {@link YouTubeApiError} with YouTube's reason. */
export function asApiError(error: unknown): YouTubeApiError {
  const failure = error as { status?: number; response?: { status?: number; data?: { error?: { message?: string; errors?: Array<{ reason?: string }> } } }; message?: string };
  const body = failure.response?.data?.error;
  return new YouTubeApiError(failure.response?.status ?? failure.status ?? 0, body?.errors?.[0]?.reason ?? 'unknown', body?.message ?? failure.message ?? String(error));
}
