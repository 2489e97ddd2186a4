export { ChannelConfigCache, DefaultChannelConfigCacheOptions, type ChannelConfigCacheOptions, type ChannelConfigLoader } from './config-cache.js';
export { CommandEngine, type Decision, type Outcome } from './engine.js';
export { EventRouter, type ActionPublisher, type EventRouterOptions, type RouteOutcome, type RoutedEvent } from './event-router.js';
export { parseInvocation, type Invocation } from './invocation.js';
export { highestRole, meetsRole } from './roles.js';
export { MAX_RESPONSE_LENGTH, renderTemplate, type TemplateContext } from './template.js';
export type { ChannelConfig, CommandSpec } from './types.js';
