import { z } from 'zod';
import { ChannelRef } from './chat-event.js';
import { Platform } from './platform.js';

export const ACTION_KINDS = ['say', 'reply', 'delete', 'timeout'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const ChatActionV1 = z.strictObject({
  v: z.literal(1),
  /** Deterministic from the causing event: a redelivered event yields the same id. */
  id: z.string().min(3).max(256),
  platform: Platform,
  channel: ChannelRef,
  kind: z.enum(ACTION_KINDS),
  text: z.string().max(2_000),
  causedBy: z.string().min(3).max(200),
  /** Platform message id the action refers to (reply parent, message to delete). */
  targetMessageId: z.string().max(200).optional(),
  /** User the action targets (timeout). */
  targetUserId: z.string().max(128).optional(),
  durationSeconds: z.number().int().positive().max(1_209_600).optional(),
  /** When the causing event was received: lets delivery drop answers that come too late. */
  eventReceivedAt: z.iso.datetime().optional(),
});
export type ChatAction = z.infer<typeof ChatActionV1>;

/** The n-th action caused by one event; the same event always produces the same ids. */
export function chatActionId(causedBy: string, index: number): string {
  return `${causedBy}#${index}`;
}
