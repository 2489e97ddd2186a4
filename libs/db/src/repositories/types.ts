import type { Platform, Role } from '@parley/contracts';

export interface Community {
  id: string;
  slug: string;
  name: string;
  /** What viewers type before a command name, `!` unless the community chose another. */
  commandPrefix: string;
  /** Tell a viewer (rarely) that a command is on cooldown instead of staying silent. */
  cooldownNotice: boolean;
}

export interface NewCommunity {
  slug: string;
  name: string;
  commandPrefix?: string;
}

export interface Channel {
  id: string;
  communityId: string;
  platform: Platform;
  /** The platform's own stable id for the channel (not its display name). */
  platformChannelId: string;
  name: string;
  enabled: boolean;
  /** The bot identity that speaks here; null = the deployment's default bot. */
  botLogin: string | null;
}

export interface NewChannel {
  communityId: string;
  platform: Platform;
  platformChannelId: string;
  name: string;
  enabled?: boolean;
  botLogin?: string | null;
}

/**
 * A community command as stored. Structurally a superset of `@parley/commands`'
 * `CommandSpec`, so the router hands these to the engine as they are.
 */
export interface CommandDefinition {
  id: string;
  communityId: string;
  /** Lowercase; what follows the prefix. */
  name: string;
  aliases: string[];
  response: string;
  minRole: Role;
  globalCooldownSeconds: number;
  userCooldownSeconds: number;
  moderatorsBypassCooldown: boolean;
  enabled: boolean;
  /** null: every platform the community is on. */
  platforms: Platform[] | null;
  /** null: every channel of the community. */
  channelIds: string[] | null;
  /** The webhook module serving this command, if any. */
  moduleId: string | null;
}

export interface NewCommand {
  communityId: string;
  name: string;
  response: string;
  aliases?: string[];
  minRole?: Role;
  globalCooldownSeconds?: number;
  userCooldownSeconds?: number;
  moderatorsBypassCooldown?: boolean;
  enabled?: boolean;
  platforms?: Platform[] | null;
  channelIds?: string[] | null;
  moduleId?: string | null;
}

/** Fields of a command that can be changed after creation. */
export type CommandPatch = Partial<Omit<NewCommand, 'communityId' | 'name'>>;

/** A community's webhook module, secret included (only the router and the hub read it). */
export interface WebhookModuleDefinition {
  id: string;
  communityId: string;
  name: string;
  url: string;
  secret: string;
  timeoutMs: number;
}

export interface NewWebhookModule {
  communityId: string;
  name: string;
  url: string;
  secret: string;
  timeoutMs?: number;
}

/** Everything the router needs about a community to answer in any of its channels. */
export interface CommunityConfig {
  community: Community;
  commands: CommandDefinition[];
  modules: WebhookModuleDefinition[];
}

/** When a hub-managed row was created and last changed (ISO 8601). */
export interface Timestamps {
  createdAt: string;
  updatedAt: string;
}

export type HubCommunity = Community & Timestamps;
export type HubChannel = Channel & Timestamps;
export type HubCommand = CommandDefinition & Timestamps;

/** A webhook module as the hub shows it: the secret is write-only and never read back. */
export interface HubWebhookModule extends Timestamps {
  id: string;
  communityId: string;
  name: string;
  url: string;
  timeoutMs: number;
}

export interface Quote extends Timestamps {
  id: string;
  communityId: string;
  /** Per community, never given again after a deletion (`!quote 42`). */
  number: number;
  text: string;
  attributedTo: string | null;
  /** The viewer who added it from chat; null when added through the hub. */
  addedBy: string | null;
}

export interface Counter extends Timestamps {
  id: string;
  communityId: string;
  name: string;
  value: number;
}

export interface Timer extends Timestamps {
  id: string;
  communityId: string;
  name: string;
  message: string;
  /** At least 60. */
  intervalSeconds: number;
  /** Chat lines since the timer last fired before it may fire again. */
  minChatLines: number;
  enabled: boolean;
  /** null: every channel of the community. */
  channelIds: string[] | null;
}

export interface Reminder extends Timestamps {
  id: string;
  communityId: string;
  name: string;
  message: string;
  /** RFC 5545 `DTSTART` and `RRULE` lines. */
  schedule: string;
  enabled: boolean;
  /** null: every channel of the community. */
  channelIds: string[] | null;
}

/** Settings of one built-in module for one community. */
export interface ModuleSetting extends Timestamps {
  id: string;
  communityId: string;
  module: string;
  settings: Record<string, unknown>;
}

export type ApiKeyScope = 'read' | 'write' | 'admin';

/** An API key as listed: never its secret nor its hash. */
export interface ApiKeyInfo {
  id: string;
  communityId: string;
  prefix: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** What authentication needs: the key and the hash of its secret. */
export interface ApiKeyCredential extends ApiKeyInfo {
  secretHash: Buffer;
}

export interface NewApiKey {
  communityId: string;
  prefix: string;
  secretHash: Buffer;
  name: string;
  scopes: ApiKeyScope[];
}

/** `draw`: a giveaway's draw, recorded with its seed and entries so anyone can recompute it. */
export type AuditAction = 'create' | 'update' | 'delete' | 'revoke' | 'draw';

export interface NewAuditEntry {
  communityId: string | null;
  /** An API key's prefix, or `platform-admin`. */
  actor: string;
  action: AuditAction;
  resource: string;
  resourceId: string;
  /** The resource before and after the change, secrets already redacted. */
  before: unknown;
  after: unknown;
}

export interface AuditEntry extends NewAuditEntry {
  id: string;
  at: string;
}
