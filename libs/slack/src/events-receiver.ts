import { EventEmitter } from 'node:events';
import { chatEventId, decodeChatEvent, type ChatEvent, type Role } from '@parley/contracts';
import { slackMessageId } from './message-id.js';
import { verifySlackSignature } from './signature.js';

/** The part of an Events API `event_callback` Parley reads. */
interface SlackEventCallback {
  type: 'event_callback';
  team_id: string;
  event_id: string;
  event_time?: number;
  event: {
    type: string;
    channel?: string;
    user?: string;
    text?: string;
    ts?: string;
    thread_ts?: string;
    subtype?: string;
    bot_id?: string;
  };
}

/** A workspace the bot is installed in, and the community it serves. */
export interface SlackWorkspace {
  teamId: string;
  /** The bot user of this workspace: its own messages never trigger anything. */
  botUserId: string;
}

export interface SlackEventsReceiverOptions {
  signingSecret: string;
  /** Installed workspaces by team id; events of any other team are acknowledged and dropped. */
  workspace: (teamId: string) => SlackWorkspace | undefined;
  /**
   * Puts the event on the bus at most once per event id (the kit's publish-once); false
   * when it was there already. Awaited before Slack gets its 2xx.
   */
  publish: (event: ChatEvent) => Promise<boolean>;
  /** The author's Parley roles (`SlackUserRoles`: cached `users.info`); must not reject. */
  roles: (teamId: string, userId: string) => Promise<Role[]>;
  /** Larger bodies are refused with 413 (Slack's events are a few kB). */
  maxBodyBytes: number;
  now: () => number;
}

export const DefaultSlackEventsReceiverOptions = { maxBodyBytes: 256 * 1024, now: () => Date.now() } satisfies Partial<SlackEventsReceiverOptions>;

export interface SlackHttpRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface SlackHttpResponse {
  status: number;
  body?: unknown;
}

/** Why an event was not published. */
export type SlackIgnoredReason = 'unknown-team' | 'own-message' | 'bot' | 'subtype' | 'not-a-message' | 'duplicate';

interface SlackEventsReceiverEvents {
  /** A request refused before anything was read from it. */
  refused: [{ status: number; reason: string }];
  published: [ChatEvent];
  ignored: [{ reason: SlackIgnoredReason; retryNum?: number }];
}

/**
 * Slack's Events API, framework-neutral (`handle` takes the raw bytes and headers, the app
 * serves it over HTTP): the signature is checked on the raw body, `url_verification` is
 * answered, and each message event becomes one ChatEvent. Slack retries a delivery it did
 * not get a 2xx for within 3 s, and sends an `app_mention` beside the `message` for the same
 * text: both map to one event id (team, channel, message ts), so publish-once answers each
 * message once however often it arrives. The 2xx goes out once the event is on the bus
 * (milliseconds); a bus that cannot take it gets a 503 and Slack's retry brings it again.
 */
export class SlackEventsReceiver extends EventEmitter<SlackEventsReceiverEvents> {
  readonly options: SlackEventsReceiverOptions;

  constructor(options: Pick<SlackEventsReceiverOptions, 'signingSecret' | 'workspace' | 'publish' | 'roles'> & Partial<SlackEventsReceiverOptions>) {
    super();
    this.options = { ...DefaultSlackEventsReceiverOptions, ...options };
  }

  async handle(request: SlackHttpRequest): Promise<SlackHttpResponse> {
    if (request.rawBody.length > this.options.maxBodyBytes) return this.refuse(413, 'body too large');
    const verdict = verifySlackSignature(
      { rawBody: request.rawBody, timestamp: header(request, 'x-slack-request-timestamp'), signature: header(request, 'x-slack-signature') },
      this.options.signingSecret,
      this.options.now(),
    );
    if (verdict !== 'ok') return this.refuse(401, `signature ${verdict}`);
    let payload: unknown;
    try {
      payload = JSON.parse(request.rawBody.toString('utf8'));
    } catch {
      return this.refuse(400, 'malformed JSON');
    }
    if (!isRecord(payload)) return this.refuse(400, 'not a JSON object');
    if (payload['type'] === 'url_verification' && typeof payload['challenge'] === 'string') return { status: 200, body: { challenge: payload['challenge'] } };
    if (payload['type'] !== 'event_callback' || !isRecord(payload['event']) || typeof payload['team_id'] !== 'string') {
      return this.refuse(400, 'not an event_callback');
    }
    const retryNum = Number(header(request, 'x-slack-retry-num') ?? 0) || undefined;
    const event = await this.toChatEvent(payload as unknown as SlackEventCallback, retryNum);
    if (!event) return { status: 200 };
    const fresh = await this.options.publish(event).catch(() => undefined);
    if (fresh === undefined) return { status: 503, body: { error: 'the event bus is unavailable; retry' } };
    if (fresh) this.emit('published', event);
    else this.emit('ignored', { reason: 'duplicate', ...(retryNum && { retryNum }) });
    return { status: 200 };
  }

  private async toChatEvent(callback: SlackEventCallback, retryNum: number | undefined): Promise<ChatEvent | undefined> {
    const ignore = (reason: SlackIgnoredReason) => void this.emit('ignored', { reason, ...(retryNum && { retryNum }) });
    const workspace = this.options.workspace(callback.team_id);
    if (!workspace) return ignore('unknown-team');
    const { event } = callback;
    if (event.type !== 'message' && event.type !== 'app_mention') return ignore('not-a-message');
    // The bot's own posts carry bot_id and no subtype; other bots' posts are `bot_message`.
    if (event.user === workspace.botUserId) return ignore('own-message');
    if (event.bot_id) return ignore('bot');
    if (event.subtype) return ignore('subtype');
    if (!event.channel || !event.user || !event.ts) return ignore('not-a-message');
    // Message events carry no flags: the author is looked up (cached; `everyone` when Slack cannot say).
    const roles = await this.options.roles(callback.team_id, event.user);
    return decodeChatEvent({
      v: 1,
      // message and app_mention of one post share it: one event however it arrives. It also
      // carries the thread, so an answer (which names the event's message) goes into it.
      id: chatEventId('slack', slackMessageId({ teamId: callback.team_id, channel: event.channel, ts: event.ts, ...(event.thread_ts && { threadTs: event.thread_ts }) })),
      platform: 'slack',
      // The workspace is the community's Slack "channel" (the team id selects the community);
      // the name is the Slack channel the message is in, where delivery answers.
      channel: { id: callback.team_id, name: event.channel },
      author: { id: event.user, name: event.user, displayName: event.user, roles, isBot: false },
      text: stripMention(event.text ?? '', workspace.botUserId),
      kind: 'message',
      sentAt: new Date(Number(event.ts) * 1000).toISOString(),
      receivedAt: new Date(this.options.now()).toISOString(),
      // Replies go to the thread the message is in, or start one under it.
      replyTo: event.thread_ts ?? event.ts,
      extras: { teamId: callback.team_id, eventId: callback.event_id, ts: event.ts, ...(event.thread_ts && { threadTs: event.thread_ts }) },
    });
  }

  private refuse(status: number, reason: string): SlackHttpResponse {
    this.emit('refused', { status, reason });
    return { status, body: { error: reason } };
  }
}

/** `<@U0BOT> !ping` → `!ping`: a mention of the bot in front of a command is not part of it. */
function stripMention(text: string, botUserId: string): string {
  return text.replace(new RegExp(`^\\s*<@${botUserId}>\\s*`), '');
}

function header(request: SlackHttpRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
