export { discordRoles, type DiscordMessageAuthor, type DiscordRoleSettings } from './roles.js';
export {
  DISCORD_INTENTS,
  DefaultDiscordAdapterOptions,
  DiscordAdapter,
  FATAL_CLOSE_CODES,
  type DiscordAdapterOptions,
  type DiscordFrame,
  type ShardState,
} from './discord-adapter.js';
export { gatewayShardUnits } from './gateway-units.js';
