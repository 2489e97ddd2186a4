import { PLATFORMS, ROLES } from '@parley/contracts';
import { z } from 'zod';
import { ImportError } from './errors.js';
import { parseJsonText } from './sources/http.js';

/**
 * The `parley export` document: a community's whole configuration in a portable form.
 * Nothing in it is specific to one database: no row ids, no timestamps; a command names
 * its channels by platform and platform id and its webhook module by name. Arrays are in
 * a fixed order and keys sorted, so the same configuration always gives the same bytes.
 * Secrets (webhook signing secrets, API keys) are never exported.
 */
export const DOCUMENT_FORMAT = 'parley.community';
export const DOCUMENT_VERSION = 1;
/** Largest document `import parley` reads. */
export const MAX_DOCUMENT_BYTES = 5 * 1024 * 1024;

const name64 = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/u);
const commandName = z.string().regex(/^[a-z0-9_][a-z0-9_-]{0,63}$/u);
const nonBlank = (max: number) => z.string().max(max).refine((value) => value.trim() !== '', 'must not be blank');

export const ChannelRef = z.strictObject({ platform: z.enum(PLATFORMS), platformChannelId: z.string().regex(/^\S{1,128}$/u) });
export type ChannelRef = z.infer<typeof ChannelRef>;
const channelRefs = z.array(ChannelRef).min(1).max(50).nullable();

export const PortableSettings = z.strictObject({ commandPrefix: z.string().regex(/^\S{1,8}$/u), cooldownNotice: z.boolean() });
export const PortableChannel = z.strictObject({
  platform: z.enum(PLATFORMS),
  platformChannelId: z.string().regex(/^\S{1,128}$/u),
  name: nonBlank(128),
  enabled: z.boolean(),
  botLogin: z.string().regex(/^\S{1,64}$/u).nullable(),
});
export const PortableWebhookModule = z.strictObject({ name: name64, url: z.url({ protocol: /^https?$/u }).max(2048), timeoutMs: z.number().int().min(100).max(10_000) });
export const PortableModuleSetting = z.strictObject({
  module: name64,
  settings: z.record(z.string().max(64), z.json()).refine((value) => JSON.stringify(value).length <= 16_384, 'at most 16 kB of settings'),
});
export const PortableCommand = z.strictObject({
  name: commandName,
  aliases: z.array(commandName).max(20),
  response: nonBlank(500),
  minRole: z.enum(ROLES),
  globalCooldownSeconds: z.number().int().min(0).max(86_400),
  userCooldownSeconds: z.number().int().min(0).max(86_400),
  moderatorsBypassCooldown: z.boolean(),
  enabled: z.boolean(),
  platforms: z.array(z.enum(PLATFORMS)).min(1).max(PLATFORMS.length).nullable(),
  channels: channelRefs,
  module: name64.nullable(),
});
export const PortableTimer = z.strictObject({
  name: name64,
  message: nonBlank(500),
  intervalSeconds: z.number().int().min(60).max(86_400),
  minChatLines: z.number().int().min(0).max(10_000),
  enabled: z.boolean(),
  channels: channelRefs,
});
export const PortableQuote = z.strictObject({ number: z.number().int().min(0).max(2 ** 31 - 1).nullable(), text: nonBlank(500), attributedTo: nonBlank(100).nullable() });
export const PortableCounter = z.strictObject({ name: name64, value: z.number().int().min(-(2 ** 53 - 1)).max(2 ** 53 - 1) });

export type PortableSettings = z.infer<typeof PortableSettings>;
export type PortableChannel = z.infer<typeof PortableChannel>;
export type PortableWebhookModule = z.infer<typeof PortableWebhookModule>;
export type PortableModuleSetting = z.infer<typeof PortableModuleSetting>;
export type PortableCommand = z.infer<typeof PortableCommand>;
export type PortableTimer = z.infer<typeof PortableTimer>;
export type PortableQuote = z.infer<typeof PortableQuote>;
export type PortableCounter = z.infer<typeof PortableCounter>;

export const ParleyDocument = z.strictObject({
  format: z.literal(DOCUMENT_FORMAT),
  version: z.literal(DOCUMENT_VERSION),
  settings: PortableSettings,
  channels: z.array(PortableChannel).max(1_000),
  webhookModules: z.array(PortableWebhookModule).max(200),
  moduleSettings: z.array(PortableModuleSetting).max(200),
  commands: z.array(PortableCommand).max(5_000),
  timers: z.array(PortableTimer).max(1_000),
  quotes: z.array(PortableQuote).max(50_000),
  counters: z.array(PortableCounter).max(5_000),
});
export type ParleyDocument = z.infer<typeof ParleyDocument>;

/** The parts of a document that hold a community's data (everything but format and version). */
export type CommunityContent = Omit<ParleyDocument, 'format' | 'version'>;

/** JSON with object keys sorted at every level, two-space indented, ending in a newline. */
export function canonicalJson(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item && typeof item === 'object') {
      return Object.fromEntries(
        Object.keys(item)
          .sort()
          .map((key) => [key, sort((item as Record<string, unknown>)[key])]),
      );
    }
    return item;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const channelKey = (ref: ChannelRef) => `${ref.platform}:${ref.platformChannelId}`;

/** Puts every list in its one order (by name, number, or platform and id), so equal content serialises equally. */
export function normalizeContent(content: CommunityContent): CommunityContent {
  const refs = (list: ChannelRef[] | null) => (list ? [...list].sort((a, b) => byText(channelKey(a), channelKey(b))) : null);
  return {
    settings: content.settings,
    channels: [...content.channels].sort((a, b) => byText(channelKey(a), channelKey(b))),
    webhookModules: [...content.webhookModules].sort((a, b) => byText(a.name, b.name)),
    moduleSettings: [...content.moduleSettings].sort((a, b) => byText(a.module, b.module)),
    commands: [...content.commands]
      .map((command) => ({ ...command, aliases: [...command.aliases].sort(byText), platforms: command.platforms ? [...command.platforms].sort(byText) : null, channels: refs(command.channels) }))
      .sort((a, b) => byText(a.name, b.name)),
    timers: [...content.timers].map((timer) => ({ ...timer, channels: refs(timer.channels) })).sort((a, b) => byText(a.name, b.name)),
    // Numbered quotes by number; unnumbered ones after them, by text then author.
    quotes: [...content.quotes].sort(
      (a, b) => (a.number ?? Infinity) - (b.number ?? Infinity) || byText(a.text, b.text) || byText(a.attributedTo ?? '', b.attributedTo ?? ''),
    ),
    counters: [...content.counters].sort((a, b) => byText(a.name, b.name)),
  };
}

/** The export document of `content`, as the bytes `parley export` writes. */
export function serializeDocument(content: CommunityContent): string {
  return canonicalJson({ format: DOCUMENT_FORMAT, version: DOCUMENT_VERSION, ...normalizeContent(content) });
}

/** Reads an export document; anything but a valid version-1 document is a `malformed` ImportError. */
export function parseDocument(text: string): ParleyDocument {
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) {
    throw new ImportError('too-large', `the document is ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MB; the largest accepted is ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB`);
  }
  const json = parseJsonText(text, 'the Parley document');
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > DOCUMENT_VERSION) {
    throw new ImportError('malformed', `the document is version ${version}; this Parley reads version ${DOCUMENT_VERSION}`);
  }
  const parsed = ParleyDocument.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ImportError('malformed', `the Parley document is invalid at ${issue.path.map(String).join('.') || '(root)'}: ${issue.message.slice(0, 160)}`);
  }
  return parsed.data;
}
