export { PLATFORMS, Platform, ROLES, Role } from './platform.js';
export { ChannelRef, ChatEventV1, EVENT_KINDS, chatEventId, type ChatEvent } from './chat-event.js';
export { ACTION_KINDS, ChatActionV1, chatActionId, type ActionKind, type ChatAction } from './chat-action.js';
export { ContractError, decodeChatAction, decodeChatEvent } from './decode.js';
export { CommandKeys, ShardingKeys, StreamKeys, fnv1a, hashTagOf } from './keys.js';
export { ConfigChangeV1, decodeConfigChange, encodeConfigChange, type ConfigChange } from './config-change.js';
