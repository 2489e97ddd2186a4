import { Module, type DynamicModule } from '@nestjs/common';
import { StreamConsumer, StreamProducer } from '@parley/bus';
import {
  ChatLines,
  ChatModuleKeys,
  ChatModules,
  CommunityReminderScheduler,
  Giveaways,
  PatternMatcher,
  ReminderScheduler,
  Shoutouts,
  SpamFilters,
  TimerScheduler,
  TwitchHelixProfiles,
  type ModerationCapabilities,
  type ModerationKind,
} from '@parley/chat-modules';
import { ChannelConfigCache, CommandEngine, CommandLedger, CommunityStats, EventRouter, type ChannelConfig } from '@parley/commands';
import { StreamKeys, type ChatEvent, type Platform } from '@parley/contracts';
import { ChannelRepository, ChatModuleRepository, CommandRepository, createPool, migrate } from '@parley/db';
import { WebhookModuleClient } from '@parley/modules';
import { HealthChecks, ObservabilityModule, createMetricsRegistry, postgresCheck, redisCheck } from '@parley/observability';
import { createRedisConnection, type ServiceStartup } from '@parley/runtime';
import type pg from 'pg';
import type { Logger } from 'pino';
import { RepositoryCommandAdmin } from './command-admin.js';
import { ChatModuleMetrics } from './chat-modules.metrics.js';
import type { RouterConfig } from './config.js';
import { RouterMetrics } from './router.metrics.js';
import { RouterRunner } from './router.runner.js';

/**
 * Wires the router: events from every partition → EventRouter (engine + cached
 * community configuration) → actions. Everything it builds comes from libs.
 */
@Module({})
export class RouterModule {
  static forConfig(config: RouterConfig, logger: Logger, startup: ServiceStartup): DynamicModule {
    const keys = new StreamKeys(config.PARLEY_KEY_PREFIX, config.PARLEY_EVENT_PARTITIONS);
    // Not auto-pipelined: ioredis builds a Pipeline per tick that copies every script the
    // router defines onto itself, and at 2,000 events/s those objects outlived scavenges,
    // filling the old generation and tripling event→action p99 (README, Performance).
    const redis = createRedisConnection(config.REDIS_URL, logger, { enableAutoPipelining: false });
    const pool: pg.Pool = createPool(config.DATABASE_URL);
    const channels = new ChannelRepository(pool);
    const commands = new CommandRepository(pool);
    const chatModuleRows = new ChatModuleRepository(pool);

    const cache = new ChannelConfigCache(async (platform, channelId): Promise<ChannelConfig | null> => {
      const channel = await channels.findByPlatformChannel(platform, channelId);
      if (!channel || !channel.enabled) return null;
      const [community, moduleSettings] = await Promise.all([
        commands.loadCommunityConfig(channel.communityId),
        config.ROUTER_CHAT_MODULES ? chatModuleRows.moduleSettings(channel.communityId) : undefined,
      ]);
      if (!community) return null;
      return {
        communityId: community.community.id,
        channelId: channel.id,
        commandPrefix: community.community.commandPrefix,
        cooldownNotice: community.community.cooldownNotice,
        commands: community.commands,
        modules: community.modules,
        moduleSettings,
      };
    }, {
      ttlMs: config.ROUTER_CONFIG_TTL_MS,
      negativeTtlMs: config.ROUTER_CONFIG_NEGATIVE_TTL_MS,
      maxChannels: config.ROUTER_CONFIG_CACHE_MAX_CHANNELS,
      idleMs: config.ROUTER_CONFIG_CACHE_IDLE_MS,
    });

    const producer = new StreamProducer(redis);
    // A charge (or a module's change) must be remembered as long as its event could still be redelivered and answered.
    const ledgerTtlSeconds = Math.ceil((2 * config.ROUTER_MAX_EVENT_AGE_MS) / 1_000) + 60;
    const ledger = new CommandLedger(redis, { keyPrefix: config.PARLEY_KEY_PREFIX, chargeTtlSeconds: ledgerTtlSeconds });
    const modules = new WebhookModuleClient({
      fallbackText: config.ROUTER_MODULE_FALLBACK_TEXT,
      allowList: config.ROUTER_WEBHOOK_ALLOWLIST,
      breaker: {
        volumeThreshold: config.ROUTER_MODULE_BREAKER_VOLUME,
        errorThresholdPercentage: config.ROUTER_MODULE_BREAKER_ERROR_PERCENT,
        resetTimeoutMs: config.ROUTER_MODULE_BREAKER_RESET_MS,
      },
    });
    const answerBudget = (event: ChatEvent, communityId: string) =>
      ledger.spendAnswerBudget(communityId, `${event.platform}:${event.author.id}`, config.ROUTER_ANSWERS_PER_AUTHOR, config.ROUTER_ANSWERS_WINDOW_MS);
    const engine = new CommandEngine({
      ledger,
      modules,
      admin: new RepositoryCommandAdmin(commands, redis, keys),
      answerBudget,
      mayNotifyCooldown: (event, communityId) => ledger.claimCooldownNotice(communityId, event.author.id, config.ROUTER_COOLDOWN_NOTICE_INTERVAL_S),
      counters: chatModuleRows,
    });
    const moduleKeys = new ChatModuleKeys(config.PARLEY_KEY_PREFIX);
    const lines = new ChatLines(redis, moduleKeys);
    const filters = new SpamFilters(redis, moduleKeys, {
      capabilities: moderationCapabilities(config.ROUTER_MODERATION_PLATFORMS),
      patterns: new PatternMatcher({ budgetMs: config.ROUTER_FILTER_PATTERN_BUDGET_MS, suspendMs: config.ROUTER_FILTER_PATTERN_SUSPEND_MS }),
    });
    const timers = new TimerScheduler(redis, moduleKeys, chatModuleRows, lines, producer, {
      actionsStream: (platform, channelId) => keys.actionsFor(platform, channelId),
      tickMs: config.ROUTER_TIMER_TICK_MS,
      syncMs: config.ROUTER_TIMER_SYNC_MS,
      recheckMs: config.ROUTER_TIMER_RECHECK_MS,
      spacingMs: config.ROUTER_TIMER_SPACING_MS,
      liveWindowMs: config.ROUTER_TIMER_LIVE_WINDOW_MS,
    });
    const reminders = new ReminderScheduler(redis, moduleKeys, producer, { actionsStream: (platform, channelId) => keys.actionsFor(platform, channelId), tickMs: config.ROUTER_TIMER_TICK_MS });
    const communityReminders = new CommunityReminderScheduler(redis, moduleKeys, chatModuleRows, producer, {
      actionsStream: (platform, channelId) => keys.actionsFor(platform, channelId),
      tickMs: config.ROUTER_TIMER_TICK_MS,
      syncMs: config.ROUTER_TIMER_SYNC_MS,
    });
    const appToken = config.ROUTER_TWITCH_APP_TOKEN;
    const shoutouts = new Shoutouts(
      config.ROUTER_TWITCH_CLIENT_ID && appToken
        ? { twitch: new TwitchHelixProfiles({ baseUrl: config.ROUTER_TWITCH_HELIX_URL, clientId: config.ROUTER_TWITCH_CLIENT_ID, accessToken: async () => appToken }) }
        : {},
    );
    const router = new EventRouter(engine, cache, producer, {
      keys,
      maxEventAgeMs: config.ROUTER_MAX_EVENT_AGE_MS,
      modules: config.ROUTER_CHAT_MODULES
        ? new ChatModules({
            redis,
            keys: moduleKeys,
            lines,
            filters,
            giveaways: new Giveaways(redis, moduleKeys, chatModuleRows),
            reminders,
            store: chatModuleRows,
            appliedTtlSeconds: ledgerTtlSeconds,
            answerBudget,
            shoutouts,
          })
        : undefined,
    });
    const consumer = new StreamConsumer(redis, {
      streams: keys.allEventPartitions(),
      group: 'router',
      consumer: config.ROUTER_CONSUMER_NAME,
      deadLetterStream: (stream) => keys.deadLetterFor(stream),
      handler: (entry) => router.handle(entry),
      batchSize: config.ROUTER_BATCH_SIZE,
      batchesInFlight: config.ROUTER_BATCHES_IN_FLIGHT,
      claimIdleMs: config.ROUTER_CLAIM_IDLE_MS,
      liveness: { key: (stream) => keys.consumers('router', stream), ttlMs: config.ROUTER_CONSUMER_TTL_MS },
      maxDeliveries: config.ROUTER_MAX_DELIVERIES,
    });

    const registry = createMetricsRegistry('router');
    const health = new HealthChecks();
    const redisReady = redisCheck(redis);
    health.register('redis', redisReady).register('startup', startup.check);
    // Postgres down is degraded, not unready: the router answers from its cache.
    const metrics = new RouterMetrics(registry, { consumer, router, cache, modules }, logger);
    new ChatModuleMetrics(registry, { timers, filters, reminders, communityReminders }, logger);
    // What the hub shows as a community's stats; losing a count is better than failing an event.
    const stats = new CommunityStats(redis, keys);
    router.on('routed', (routed) => stats.record(routed));
    const runner = new RouterRunner({ redis, pool, consumer, cache, modules, stats, keys, logger, timers: config.ROUTER_CHAT_MODULES ? timers : undefined, reminders: config.ROUTER_CHAT_MODULES ? reminders : undefined, communityReminders: config.ROUTER_CHAT_MODULES ? communityReminders : undefined });
    // Its cache is empty at start: events consumed before Postgres first answers could only fail.
    startup.dependsOn('redis', redisReady).dependsOn('postgres', postgresCheck(pool));
    if (config.PARLEY_MIGRATE_ON_START) startup.step('migrations', ['postgres'], () => migrate(config.DATABASE_URL));
    startup.step('consume chat events', ['redis', 'postgres'], () => runner.start());

    return {
      module: RouterModule,
      imports: [ObservabilityModule.forRoot({ registry, health })],
      providers: [
        { provide: RouterMetrics, useValue: metrics },
        { provide: RouterRunner, useValue: runner },
      ],
    };
  }
}

/** The listed platforms deliver delete and timeout; the others run their filters in dry run. */
function moderationCapabilities(platforms: readonly Platform[]): ModerationCapabilities {
  const capabilities: Record<Platform, ModerationKind[]> = { twitch: [], youtube: [], discord: [], slack: [] };
  for (const platform of platforms) capabilities[platform] = ['delete', 'timeout'];
  return capabilities;
}
