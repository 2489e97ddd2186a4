export {
  IrcParseError,
  TmiAuthError,
  TmiClosedError,
  TmiConnectError,
  TmiJoinError,
  TmiNormalizeError,
  TmiNotConnectedError,
  TwitchTokenError,
} from './errors.js';
export {
  DefaultTwitchTokenEndpoints,
  RefreshingAuthProvider,
  TwitchAppTokenIssuer,
  TwitchTokenIssuer,
  type OptionalRefreshingAuthProviderOptions,
  type RefreshingAuthProviderOptions,
  type RequiredRefreshingAuthProviderOptions,
  type TwitchTokenIssuerOptions,
} from './auth-provider.js';
export { IrcMessage, escapeTagValue, unescapeTagValue, type IrcMessageInit } from './irc-message.js';
export { CHAT_SUBSCRIPTION_TYPES, normalizeEventSub } from './eventsub-normalize.js';
export { EventSubSession, KEEPALIVE_GRACE_MS, type EventSubFrame, type EventSubSessionEvents, type EventSubSessionOptions } from './eventsub-session.js';
export {
  ConduitShardUnitHandler,
  AUTHORIZATION_LOST_STATUSES,
  DefaultEventSubAdapterOptions,
  EventSubAdapter,
  type ChannelAuthorization,
  type ChannelAuthorizationState,
  type ReconcileResult,
  type WantedChannel,
  type EventSubAdapterEvents,
  type EventSubAdapterOptions,
  type OptionalEventSubAdapterOptions,
  type RequiredEventSubAdapterOptions,
} from './eventsub-adapter.js';
export { normalizeClearChat, normalizeClearMsg, normalizePrivmsg, normalizeUserNotice, type NormalizePrivmsgOptions } from './normalize.js';
export { twitchRoles, type RoleTags } from './roles.js';
export { LocalJoinBudget, SharedJoinBudget, type JoinBudget, type JoinRateLimit } from './join-throttle.js';
export {
  DefaultTmiConnectionOptions,
  MAX_MESSAGE_CHARS,
  TmiConnection,
  normalizeChannel,
  type OptionalTmiConnectionOptions,
  type RequiredTmiConnectionOptions,
  type TmiConnectionEvents,
  type TmiConnectionOptions,
  type TmiNotice,
  type TmiSendResult,
} from './tmi-connection.js';
export { TmiConnectionPool, type TmiConnectionPoolOptions, type TwitchChatClient } from './connection-pool.js';
export {
  DefaultTwitchIrcAdapterOptions,
  TWITCH_DUPLICATE_WINDOW_MS,
  TWITCH_REPEAT_SUFFIX,
  TwitchIrcAdapter,
  type TwitchIrcAdapterOptions,
} from './twitch-adapter.js';
export { DefaultHelixClientOptions, HelixClient, HelixError, type ChatMessageResult, type HelixClientOptions, type OptionalHelixClientOptions, type RequiredHelixClientOptions } from './helix-client.js';
export { HelixModeration, helixOutcome } from './helix-moderation.js';
