import type { Platform, Role } from '@parley/contracts';

/** A community's command as the engine sees it (the hub and Postgres hold the source). */
export interface CommandSpec {
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
  /** null: every channel of the community; otherwise the Parley channel ids it answers in. */
  channelIds?: string[] | null;
  /** Served by this webhook module instead of `response`. */
  moduleId?: string | null;
}

/** A community's webhook module (secret included: it stays inside the router). */
export interface ModuleSpec {
  id: string;
  url: string;
  secret: string;
  timeoutMs: number;
}

/** Everything the engine needs to answer in one channel. */
export interface ChannelConfig {
  communityId: string;
  /** Parley's id of the channel (not the platform's). */
  channelId: string;
  commandPrefix: string;
  commands: CommandSpec[];
  modules?: ModuleSpec[];
  /** Tell a viewer, briefly and rarely, that a command is on cooldown instead of staying silent. */
  cooldownNotice?: boolean;
  /** Settings of the built-in chat modules (module name → settings document), as the hub stores them. */
  moduleSettings?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}
