export {
  CheckViolationError,
  DbError,
  ForeignKeyViolationError,
  MigrationError,
  UniqueViolationError,
  translatePgError,
} from './errors.js';
export { MIGRATE_DEFAULTS, findMigrationsDir, migrate, type MigrateOptions } from './migrate.js';
export { POOL_DEFAULTS, createPool, type PoolOptions } from './pool.js';
export { ChannelRepository } from './repositories/channel.repository.js';
export { CommandRepository } from './repositories/command.repository.js';
export { CommunityRepository } from './repositories/community.repository.js';
export { WebhookModuleRepository } from './repositories/webhook-module.repository.js';
export type {
  Channel,
  CommandDefinition,
  CommandPatch,
  Community,
  CommunityConfig,
  NewChannel,
  NewCommand,
  NewCommunity,
  NewWebhookModule,
  WebhookModuleDefinition,
} from './repositories/types.js';
