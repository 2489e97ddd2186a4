import type { Platform, Role } from '@parley/contracts';
import { COMMAND_PATCH_COLUMNS } from './command.repository.js';
import { ScopedTable, type ScopedTableSpec } from './scoped-table.js';
import type { Queryable } from './sql.js';
import type { Counter, HubChannel, HubCommand, HubWebhookModule, ModuleSetting, Quote, Reminder, Timer, Timestamps } from './types.js';

type Row = Record<string, unknown>;
type Entity<T> = Omit<T, keyof Timestamps>;

/** The community-owned tables the hub manages, for `ScopedTable`. */
export const HUB_TABLES = {
  channels: {
    table: 'channels',
    columns: ['id', 'community_id', 'platform', 'platform_channel_id', 'name', 'enabled', 'bot_login'],
    key: 'id',
    keyIsUuid: true,
    writable: { platform: 'platform', platformChannelId: 'platform_channel_id', name: 'name', enabled: 'enabled', botLogin: 'bot_login' },
    toEntity: (row: Row): Entity<HubChannel> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      platform: row.platform as Platform,
      platformChannelId: row.platform_channel_id as string,
      name: row.name as string,
      enabled: row.enabled as boolean,
      botLogin: row.bot_login as string | null,
    }),
  },
  commands: {
    table: 'commands',
    columns: [
      'id',
      'community_id',
      'name',
      'aliases',
      'response',
      'min_role',
      'global_cooldown_seconds',
      'user_cooldown_seconds',
      'moderators_bypass_cooldown',
      'enabled',
      'platforms',
      'channel_ids',
      'module_id',
    ],
    key: 'name',
    keyIsUuid: false,
    writable: { name: 'name', ...COMMAND_PATCH_COLUMNS },
    toEntity: (row: Row): Entity<HubCommand> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      name: row.name as string,
      aliases: row.aliases as string[],
      response: row.response as string,
      minRole: row.min_role as Role,
      globalCooldownSeconds: row.global_cooldown_seconds as number,
      userCooldownSeconds: row.user_cooldown_seconds as number,
      moderatorsBypassCooldown: row.moderators_bypass_cooldown as boolean,
      enabled: row.enabled as boolean,
      platforms: row.platforms as Platform[] | null,
      channelIds: row.channel_ids as string[] | null,
      moduleId: row.module_id as string | null,
    }),
  },
  webhookModules: {
    table: 'webhook_modules',
    columns: ['id', 'community_id', 'name', 'url', 'timeout_ms'],
    key: 'id',
    keyIsUuid: true,
    writable: { name: 'name', url: 'url', secret: 'secret', timeoutMs: 'timeout_ms' },
    toEntity: (row: Row): Entity<HubWebhookModule> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      name: row.name as string,
      url: row.url as string,
      timeoutMs: row.timeout_ms as number,
    }),
  },
  quotes: {
    table: 'quotes',
    columns: ['id', 'community_id', 'number', 'text', 'attributed_to', 'added_by'],
    key: 'id',
    keyIsUuid: true,
    writable: { text: 'text', attributedTo: 'attributed_to' },
    toEntity: (row: Row): Entity<Quote> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      number: row.number as number,
      text: row.text as string,
      attributedTo: row.attributed_to as string | null,
      addedBy: row.added_by as string | null,
    }),
  },
  counters: {
    table: 'counters',
    columns: ['id', 'community_id', 'name', 'value'],
    key: 'name',
    keyIsUuid: false,
    writable: { name: 'name', value: 'value' },
    // bigint comes back as a string; counters stay far below 2^53.
    toEntity: (row: Row): Entity<Counter> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      name: row.name as string,
      value: Number(row.value),
    }),
  },
  timers: {
    table: 'timers',
    columns: ['id', 'community_id', 'name', 'message', 'interval_seconds', 'min_chat_lines', 'enabled', 'channel_ids'],
    key: 'name',
    keyIsUuid: false,
    writable: {
      name: 'name',
      message: 'message',
      intervalSeconds: 'interval_seconds',
      minChatLines: 'min_chat_lines',
      enabled: 'enabled',
      channelIds: 'channel_ids',
    },
    toEntity: (row: Row): Entity<Timer> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      name: row.name as string,
      message: row.message as string,
      intervalSeconds: row.interval_seconds as number,
      minChatLines: row.min_chat_lines as number,
      enabled: row.enabled as boolean,
      channelIds: row.channel_ids as string[] | null,
    }),
  },
  reminders: {
    table: 'reminders',
    columns: ['id', 'community_id', 'name', 'message', 'schedule', 'enabled', 'channel_ids'],
    key: 'name',
    keyIsUuid: false,
    writable: { name: 'name', message: 'message', schedule: 'schedule', enabled: 'enabled', channelIds: 'channel_ids' },
    toEntity: (row: Row): Entity<Reminder> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      name: row.name as string,
      message: row.message as string,
      schedule: row.schedule as string,
      enabled: row.enabled as boolean,
      channelIds: row.channel_ids as string[] | null,
    }),
  },
  moduleSettings: {
    table: 'module_settings',
    columns: ['id', 'community_id', 'module', 'settings'],
    key: 'module',
    keyIsUuid: false,
    writable: { module: 'module', settings: 'settings' },
    toEntity: (row: Row): Entity<ModuleSetting> => ({
      id: row.id as string,
      communityId: row.community_id as string,
      module: row.module as string,
      settings: row.settings as Record<string, unknown>,
    }),
  },
} as const satisfies { [K in keyof HubEntities]: ScopedTableSpec<HubEntities[K]> };

/** The entity each hub table yields. */
export interface HubEntities {
  channels: HubChannel;
  commands: HubCommand;
  webhookModules: HubWebhookModule;
  quotes: Quote;
  counters: Counter;
  timers: Timer;
  reminders: Reminder;
  moduleSettings: ModuleSetting;
}
export type HubTableName = keyof HubEntities;

/** The hub's view of one of its tables, on a pool or a transaction's client. */
export function hubTable<K extends HubTableName>(db: Queryable, name: K): ScopedTable<HubEntities[K]> {
  // HUB_TABLES is checked against these very types where it is declared (`satisfies`).
  return new ScopedTable(db, HUB_TABLES[name] as unknown as ScopedTableSpec<HubEntities[K]>);
}
