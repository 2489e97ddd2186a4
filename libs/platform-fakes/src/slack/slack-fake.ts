import { once } from 'node:events';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackFakeOptions {
  host: string;
  /** The app's signing secret: every event delivery is signed with it. */
  signingSecret: string;
  /** Where the Events API delivers (the ingest's request URL); set before the first delivery. */
  requestUrl: string | undefined;
  /** A delivery not answered 2xx within this long is retried (Slack: 3 s). */
  ackTimeoutMs: number;
  /** Retries after the first delivery (Slack: 3), spaced by `retryDelaysMs`. */
  retryDelaysMs: number[];
  /** chat.postMessage: one message per channel per this many ms, after a burst of `burst`. */
  channelPaceMs: number;
  burst: number;
}

export const DefaultSlackFakeOptions: SlackFakeOptions = {
  host: '127.0.0.1',
  signingSecret: 'fake-signing-secret',
  requestUrl: undefined,
  ackTimeoutMs: 3_000,
  retryDelaysMs: [0, 1_000, 5_000],
  channelPaceMs: 1_000,
  burst: 3,
};

interface Workspace {
  teamId: string;
  botToken: string;
  botUserId: string;
  botId: string;
}

/** A workspace member's flags as `users.info` returns them (Slack's own field names). */
export interface SlackFakeUserFlags {
  is_primary_owner?: boolean;
  is_owner?: boolean;
  is_admin?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
}

/** One delivery attempt of an event, as the receiver answered it. */
export interface SlackDeliveryRecord {
  eventId: string;
  retryNum: number;
  status: number | 'timeout' | 'error';
}

export interface SlackPostedMessage {
  teamId: string;
  channel: string;
  text: string;
  ts: string;
  threadTs?: string;
}

/**
 * Slack in miniature: the Events API side signs and delivers `event_callback`s to the
 * request URL (`X-Slack-Signature` v0, `X-Slack-Request-Timestamp`), retrying up to three
 * times with `X-Slack-Retry-Num`/`X-Slack-Retry-Reason` when no 2xx came within 3 s, and
 * the Web API side answers `chat.postMessage` (`Authorization: Bearer xoxb-…`, JSON or
 * form body) with `{ok, ts}` or `{ok:false, error}`, HTTP 429 with `Retry-After` past a
 * channel's pace, and `users.info` with a member's owner/admin/guest flags (`user_not_found`
 * for a stranger). The bot's own posts come back as `message` events carrying `bot_id`, as
 * Slack sends them.
 */
export class SlackFake {
  readonly options: SlackFakeOptions;
  readonly deliveries: SlackDeliveryRecord[] = [];
  readonly posted: SlackPostedMessage[] = [];
  /** chat.postMessage calls refused with 429. */
  rateLimited = 0;
  /** `users.info` calls, as `<team>/<user>`, failed ones included. */
  readonly usersInfoCalls: string[] = [];
  /** The next this many `users.info` calls answer HTTP 503 (Slack having a bad moment). */
  usersInfoFailures = 0;
  private server: Server | undefined;
  private readonly workspaces = new Map<string, Workspace>();
  /** `<team>/<user>` → the member's flags: everyone who wrote, and those added with `addUser`. */
  private readonly users = new Map<string, SlackFakeUserFlags>();
  /** channel → times of its recent posts. */
  private readonly recentPosts = new Map<string, number[]>();
  private readonly pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(options: Partial<SlackFakeOptions> = {}) {
    this.options = { ...DefaultSlackFakeOptions, ...options };
  }

  /** Starts the Web API; returns its base URL (`…/api/`, for @slack/web-api's `slackApiUrl`). */
  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.listen(0, this.options.host);
    await once(this.server, 'listening');
    return `http://${this.options.host}:${(this.server.address() as AddressInfo).port}/api/`;
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = undefined;
  }

  /** Installs the app in a workspace; returns its bot token and bot user. */
  install(teamId: string): Workspace {
    const n = ++this.sequence;
    const workspace = { teamId, botToken: `xoxb-${teamId}-${randomBytes(6).toString('hex')}`, botUserId: `UBOT${n}`, botId: `BBOT${n}` };
    this.workspaces.set(teamId, workspace);
    return workspace;
  }

  /** Adds (or changes) a workspace member: owners and admins are what `users.info` reports them as. */
  addUser(teamId: string, user: string, flags: SlackFakeUserFlags = {}): void {
    this.workspace(teamId);
    this.users.set(`${teamId}/${user}`, flags);
  }

  /** A member writes in a channel (a plain member unless added otherwise): the `message` event (and `app_mention` when the bot is mentioned) is delivered. */
  userSay(teamId: string, channel: string, user: string, text: string, options: { threadTs?: string } = {}): { ts: string; eventIds: string[] } {
    const workspace = this.workspace(teamId);
    if (!this.users.has(`${teamId}/${user}`)) this.users.set(`${teamId}/${user}`, {});
    const ts = this.nextTs();
    const event = { channel, user, text, ts, ...(options.threadTs && { thread_ts: options.threadTs }) };
    const eventIds = [this.deliver(teamId, { type: 'message', ...event })];
    if (text.includes(`<@${workspace.botUserId}>`)) eventIds.push(this.deliver(teamId, { type: 'app_mention', ...event }));
    return { ts, eventIds };
  }

  /** Delivers any event of a workspace (signed, with Slack's retries); returns its event id. */
  deliver(teamId: string, event: Record<string, unknown>): string {
    const eventId = `Ev${String(++this.sequence).padStart(8, '0')}`;
    const body = JSON.stringify({ type: 'event_callback', team_id: teamId, api_app_id: 'AFAKEAPP', event, event_id: eventId, event_time: Math.floor(Date.now() / 1000) });
    const attempt = this.attempts(eventId, body);
    this.pending.add(attempt);
    void attempt.finally(() => this.pending.delete(attempt));
    return eventId;
  }

  /** Resolves when every delivery so far has been answered or given up on. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Signs a body as Slack would, for tests that craft their own requests. */
  sign(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    const signature = `v0=${createHmac('sha256', this.options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    return { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature };
  }

  private async attempts(eventId: string, body: string): Promise<void> {
    const url = this.options.requestUrl;
    if (!url) throw new Error('SlackFake: set requestUrl before delivering events');
    for (let retryNum = 0; retryNum <= this.options.retryDelaysMs.length; retryNum++) {
      if (retryNum > 0) await new Promise((resolve) => setTimeout(resolve, this.options.retryDelaysMs[retryNum - 1]));
      const retryHeaders: Record<string, string> = retryNum > 0 ? { 'x-slack-retry-num': String(retryNum), 'x-slack-retry-reason': 'http_timeout' } : {};
      let status: SlackDeliveryRecord['status'];
      try {
        const response = await fetch(url, { method: 'POST', headers: { ...this.sign(body), ...retryHeaders }, body, signal: AbortSignal.timeout(this.options.ackTimeoutMs) });
        await response.arrayBuffer();
        status = response.status;
      } catch (error) {
        status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
      }
      this.deliveries.push({ eventId, retryNum, status });
      if (typeof status === 'number' && status >= 200 && status < 300) return;
    }
  }

  private workspace(teamId: string): Workspace {
    const workspace = this.workspaces.get(teamId);
    if (!workspace) throw new Error(`SlackFake: no workspace ${teamId}`);
    return workspace;
  }

  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.sequence).padStart(6, '0')}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      void response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
    if (url.pathname !== '/api/chat.postMessage' && url.pathname !== '/api/users.info') return json(200, { ok: false, error: 'unknown_method' });
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const workspace = [...this.workspaces.values()].find((candidate) => candidate.botToken === token);
    if (!workspace) return json(200, { ok: false, error: 'invalid_auth' });
    const params: Record<string, unknown> = (request.headers['content-type'] ?? '').includes('json')
      ? (JSON.parse(raw || '{}') as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(raw));
    if (url.pathname === '/api/users.info') {
      const user = typeof params['user'] === 'string' ? params['user'] : (url.searchParams.get('user') ?? '');
      this.usersInfoCalls.push(`${workspace.teamId}/${user}`);
      if (this.usersInfoFailures > 0) {
        this.usersInfoFailures -= 1;
        return json(503, { ok: false, error: 'service_unavailable' });
      }
      const flags = this.users.get(`${workspace.teamId}/${user}`);
      if (!flags) return json(200, { ok: false, error: 'user_not_found' });
      const everyFlag = { is_primary_owner: false, is_owner: false, is_admin: false, is_restricted: false, is_ultra_restricted: false, ...flags };
      return json(200, { ok: true, user: { id: user, team_id: workspace.teamId, name: user.toLowerCase(), deleted: false, is_bot: false, is_app_user: false, ...everyFlag } });
    }
    const channel = typeof params['channel'] === 'string' ? params['channel'] : '';
    const text = typeof params['text'] === 'string' ? params['text'] : '';
    if (!channel) return json(200, { ok: false, error: 'channel_not_found' });
    if (!text) return json(200, { ok: false, error: 'no_text' });
    const now = Date.now();
    const recent = (this.recentPosts.get(channel) ?? []).filter((at) => now - at < this.options.channelPaceMs * this.options.burst);
    if (recent.length >= this.options.burst) {
      this.rateLimited += 1;
      const retryAfter = Math.max(1, Math.ceil((recent[0]! + this.options.channelPaceMs * this.options.burst - now) / 1000));
      return json(429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(retryAfter) });
    }
    recent.push(now);
    this.recentPosts.set(channel, recent);
    const ts = this.nextTs();
    const threadTs = typeof params['thread_ts'] === 'string' ? params['thread_ts'] : undefined;
    this.posted.push({ teamId: workspace.teamId, channel, text, ts, ...(threadTs && { threadTs }) });
    json(200, { ok: true, channel, ts, message: { type: 'message', text, user: workspace.botUserId, bot_id: workspace.botId, ts, ...(threadTs && { thread_ts: threadTs }) } });
    // Slack echoes the bot's own post to the app as a message event carrying bot_id.
    if (this.options.requestUrl) {
      this.deliver(workspace.teamId, { type: 'message', channel, user: workspace.botUserId, bot_id: workspace.botId, text, ts, ...(threadTs && { thread_ts: threadTs }) });
    }
  }
}
