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
}

/** Everything the engine needs to answer in one channel. */
export interface ChannelConfig {
  communityId: string;
  channelId: string;
  commandPrefix: string;
  commands: CommandSpec[];
}
