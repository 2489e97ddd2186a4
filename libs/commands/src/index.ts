export { CommunityStats, DefaultCommunityStatsOptions, type CommunityStatsOptions, type CommunityStatsSnapshot } from './community-stats.js';
export { CommandLedger, type ChargeRequest, type ChargeResult, type CommandLedgerOptions } from './command-ledger.js';
export { ChannelConfigCache, DefaultChannelConfigCacheOptions, type ChannelConfigCacheOptions, type ChannelConfigLoader } from './config-cache.js';
export { CommandEngine, type CommandAdmin, type CommandEngineServices, type Decision, type ModuleInvoker, type Outcome, type Plan } from './engine.js';
export { EventRouter, type ActionPublisher, type ChatModuleHook, type EventRouterOptions, type RouteOutcome, type RoutedEvent } from './event-router.js';
export { parseInvocation, type Invocation } from './invocation.js';
export { highestRole, meetsRole } from './roles.js';
export { MAX_MESSAGE_LENGTH, countersIn, renderTemplate, sanitizeForPlatform, type TemplateContext } from './template.js';
export type { ChannelConfig, CommandSpec, ModuleSpec } from './types.js';
