import type { ChatEvent } from '@parley/contracts';
import { z } from 'zod';

/** A community's webhook module: commands it serves are POSTed to `url`, signed with `secret`. */
export interface WebhookModule {
  id: string;
  /** `http:` or `https:`, without credentials. Treated as secret-bearing: never logged or put in errors. */
  url: string;
  /** HMAC-SHA256 key of `X-Parley-Signature`. Never leaves this process except as a signature. */
  secret: string;
  /** Deadline of one call, connect to last body byte. */
  timeoutMs: number;
}

/** One command invocation to hand to a module. */
export interface WebhookRequest {
  event: ChatEvent;
  command: string;
  args: string[];
  communityId: string;
}

/** What a module answered, when it answered something. */
export interface WebhookReply {
  text: string;
}

/** Longest reply a module may give (a chat action's text limit). */
export const MAX_WEBHOOK_REPLY_LENGTH = 2_000;

/** The JSON a module answers with (status 2xx). Unknown fields are ignored, for forward compatibility. */
export const WebhookReplyBody = z.object({ reply: z.string().max(MAX_WEBHOOK_REPLY_LENGTH) });
export type WebhookReplyBody = z.infer<typeof WebhookReplyBody>;

/** The JSON body Parley POSTs to a module. */
export interface WebhookPayload {
  type: 'command';
  /** The chat event's id: stable across redeliveries, so a module can dedupe on it. */
  id: string;
  command: string;
  args: string[];
  communityId: string;
  event: ChatEvent;
}

/** Why the fallback text was given instead of a module's answer. */
export type WebhookFallbackReason = 'open' | 'timeout' | 'error';

export type WebhookOutcome =
  | { kind: 'reply'; text: string }
  | { kind: 'silent' }
  | { kind: 'fallback'; text: string; reason: WebhookFallbackReason };
