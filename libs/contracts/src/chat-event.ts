import { z } from 'zod';
import { Platform, Role } from './platform.js';

export const ChannelRef = z.strictObject({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(128),
});
export type ChannelRef = z.infer<typeof ChannelRef>;

export const EVENT_KINDS = ['message', 'subscription', 'raid', 'cheer', 'membership', 'moderation'] as const;

/** Platform extras are bounded so one odd frame cannot bloat every hop. */
const Extras = z
  .record(z.string().max(64), z.union([z.string().max(512), z.number(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).length <= 32, 'at most 32 extras');

export const ChatEventV1 = z.strictObject({
  v: z.literal(1),
  /** `<platform>:<platform message id>`: stable across redelivery and reconnects. */
  id: z.string().min(3).max(200),
  platform: Platform,
  channel: ChannelRef,
  author: z.strictObject({
    id: z.string().min(1).max(128),
    name: z.string().min(1).max(128),
    displayName: z.string().max(128),
    roles: z.array(Role).max(8),
    isBot: z.boolean(),
  }),
  text: z.string().max(10_000),
  kind: z.enum(EVENT_KINDS),
  sentAt: z.iso.datetime(),
  receivedAt: z.iso.datetime(),
  replyTo: z.string().max(200).optional(),
  extras: Extras.optional(),
});
export type ChatEvent = z.infer<typeof ChatEventV1>;

export function chatEventId(platform: Platform, platformMessageId: string): string {
  return `${platform}:${platformMessageId}`;
}
