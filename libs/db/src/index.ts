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
export { ChannelAuthorizationRepository, type ChannelAuthorization } from './repositories/channel-authorization.repository.js';
export { ChatModuleRepository, type ChatQuote, type ReminderPlacement, type TimerPlacement } from './repositories/chat-module.repository.js';
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
export { ApiKeyRepository } from './repositories/api-key.repository.js';
export { AuditLogRepository } from './repositories/audit-log.repository.js';
export { CommunityAdminRepository, type CommunityPatch } from './repositories/community-admin.repository.js';
export { HUB_TABLES, hubTable, type HubEntities, type HubTableName } from './repositories/hub-tables.js';
export type { Page, PagePosition, PageRequest } from './repositories/paging.js';
export { isUuid, withTransaction, type Queryable } from './repositories/sql.js';
export { ScopedTable, type ScopedTableSpec } from './repositories/scoped-table.js';
export type {
  ApiKeyCredential,
  ApiKeyInfo,
  ApiKeyScope,
  AuditAction,
  AuditEntry,
  Counter,
  HubChannel,
  HubCommand,
  HubCommunity,
  HubWebhookModule,
  ModuleSetting,
  NewApiKey,
  NewAuditEntry,
  Quote,
  Reminder,
  Timer,
  Timestamps,
} from './repositories/types.js';
