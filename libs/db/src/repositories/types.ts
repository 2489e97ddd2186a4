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
