import type { ChatEvent } from '@parley/contracts';
import { UnsupportedActionError, type OutboundMessage, type PendingSend, type PlatformAdapter, type SendOutcome } from '@parley/ingest';
import { ErrorCode, LogLevel, WebClient, type WebAPICallError } from '@slack/web-api';
import { parseSlackMessageId } from './message-id.js';
import type { SlackUserFlags } from './roles.js';

/** The credentials of one installed workspace. */
export interface SlackWorkspaceToken {
  /** `xoxb-…`: the bot token of this workspace (every workspace has its own). */
  botToken: string;
}

export interface SlackAdapterOptions {
  /** The token of a workspace by team id; undefined when Parley is not installed there. */
  workspace: (teamId: string) => SlackWorkspaceToken | undefined;
  /** The Web API's base URL (`@slack/web-api`'s `slackApiUrl`): Slack, or the fake. */
  apiUrl: string;
  /** One Web API call's timeout. */
  requestTimeoutMs: number;
}

export const DefaultSlackAdapterOptions = { apiUrl: 'https://slack.com/api/', requestTimeoutMs: 10_000 } satisfies Partial<SlackAdapterOptions>;

/** Slack's `error` codes that trying again will not fix: the action goes to the dead-letter stream. */
const PERMANENT = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'msg_too_long',
  'no_text',
  'restricted_action',
  'cant_delete_message',
  'message_not_found',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'not_authed',
  'missing_scope',
]);

interface SlackPending extends PendingSend {
  readonly outcome: Promise<SendOutcome>;
}

/**
 * Slack under the ingest kit. Reading is not a connection here: Slack pushes events over
 * HTTP to `SlackEventsReceiver`, which publishes through the kit's `ChatIngest.publish`; so
 * connect/join/read do nothing. Sending is `chat.postMessage` (a reply goes into the
 * message's thread) and `chat.delete` with the workspace's own bot token (and `users.info`
 * for authors' roles), through
 * `@slack/web-api` with its 429 handling turned into the kit's "later" refusal carrying
 * Slack's `Retry-After`, so the kit's send budget and lanes decide when to try again.
 */
export class SlackAdapter implements PlatformAdapter<ChatEvent> {
  readonly platform = 'slack' as const;
  readonly options: SlackAdapterOptions;
  private readonly clients = new Map<string, WebClient>();

  constructor(options: Pick<SlackAdapterOptions, 'workspace'> & Partial<SlackAdapterOptions>) {
    this.options = { ...DefaultSlackAdapterOptions, ...options };
  }

  async connect(): Promise<void> {}
  async join(): Promise<void> {}
  async part(): Promise<void> {}
  async close(): Promise<void> {}
  /** Events are pushed over HTTP (SlackEventsReceiver), never read from a connection. */
  read(): void {}
  normalize(): undefined {
    return undefined;
  }
  describe(frame: ChatEvent): string {
    return JSON.stringify(frame);
  }

  /** One lane per pod: Slack's Web API is plain HTTPS, every pod can send anywhere. */
  connectionFor(): number {
    return 0;
  }

  async send(message: OutboundMessage, connection: number): Promise<SlackPending> {
    const teamId = message.channelId ?? '';
    if (message.kind === 'timeout') throw new UnsupportedActionError(message.kind, 'slack');
    return { connection, outcome: this.call(teamId, message) };
  }

  async confirm(pending: PendingSend, timeoutMs: number): Promise<SendOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<SendOutcome>((resolve) => (timer = setTimeout(() => resolve({ status: 'unknown', reason: 'confirm_timeout' }), timeoutMs)));
    try {
      return await Promise.race([(pending as SlackPending).outcome, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A member's workspace flags (`users.info`, with that workspace's token); throws when Slack did not give them. */
  async userFlags(teamId: string, userId: string): Promise<SlackUserFlags> {
    const client = this.client(teamId);
    if (!client) throw new Error(`workspace ${teamId} is not installed`);
    const { user } = await client.users.info({ user: userId });
    if (!user) throw new Error('users.info answered without a user');
    return user;
  }

  private async call(teamId: string, message: OutboundMessage): Promise<SendOutcome> {
    const client = this.client(teamId);
    if (!client) return { status: 'refused', reason: 'workspace_not_installed', retry: 'never' };
    const target = message.targetMessageId === undefined ? undefined : parseSlackMessageId(message.targetMessageId);
    try {
      if (message.kind === 'delete') {
        if (!target) return { status: 'refused', reason: 'message_not_found', retry: 'never' };
        await client.chat.delete({ channel: target.channel, ts: target.ts });
        return { status: 'accepted' };
      }
      // A reply goes into the thread the message is in, or starts one under it.
      const threadTs = message.kind === 'reply' && target ? (target.threadTs ?? target.ts) : undefined;
      const posted = await client.chat.postMessage({ channel: message.channel, text: message.text, ...(threadTs && { thread_ts: threadTs }) });
      return { status: 'accepted', ...(posted.ts && { platformMessageId: posted.ts }) };
    } catch (error) {
      return outcomeOf(error as WebAPICallError);
    }
  }

  private client(teamId: string): WebClient | undefined {
    let client = this.clients.get(teamId);
    if (client) return client;
    const workspace = this.options.workspace(teamId);
    if (!workspace) return undefined;
    client = new WebClient(workspace.botToken, {
      slackApiUrl: this.options.apiUrl,
      timeout: this.options.requestTimeoutMs,
      // 429s come back to the kit (its budget and lanes wait them out); nothing is retried inside the client.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    this.clients.set(teamId, client);
    return client;
  }
}

/** A failed Web API call as the kit's outcome: Slack's own `error` code is the reason. */
function outcomeOf(error: WebAPICallError): SendOutcome {
  switch (error.code) {
    case ErrorCode.RateLimitedError:
      return { status: 'refused', reason: 'ratelimited', retry: 'later', retryAfterMs: Math.max(1, error.retryAfter) * 1_000 };
    case ErrorCode.PlatformError: {
      const reason = String(error.data.error);
      if (reason === 'ratelimited') return { status: 'refused', reason, retry: 'later', retryAfterMs: 1_000 };
      return { status: 'refused', reason, retry: PERMANENT.has(reason) ? 'never' : 'later', ...(!PERMANENT.has(reason) && { retryAfterMs: 1_000 }) };
    }
    case ErrorCode.HTTPError:
      // A 5xx may have posted the message or not.
      return { status: 'unknown', reason: `http_${error.statusCode}` };
    default:
      return { status: 'unknown', reason: 'request_failed' };
  }
}
