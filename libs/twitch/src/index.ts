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
  DefaultRefreshingAuthProviderOptions,
  RefreshingAuthProvider,
  StaticAuthProvider,
  type AuthProvider,
  type OptionalRefreshingAuthProviderOptions,
  type RefreshingAuthProviderOptions,
  type RequiredRefreshingAuthProviderOptions,
} from './auth-provider.js';
export { IrcMessage, escapeTagValue, unescapeTagValue, type IrcMessageInit } from './irc-message.js';
export { normalizeClearChat, normalizeClearMsg, normalizePrivmsg, normalizeUserNotice, type NormalizePrivmsgOptions } from './normalize.js';
export { twitchRoles, type RoleTags } from './roles.js';
export { LocalJoinBudget, SharedJoinBudget, type JoinBudget, type JoinRateLimit, type SlotLimiter } from './join-throttle.js';
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
} from './tmi-connection.js';
export { TmiConnectionPool, type TmiConnectionPoolOptions, type TwitchChatClient } from './connection-pool.js';
export { DefaultTwitchChatIngestOptions, TwitchChatIngest, type TwitchChatIngestOptions } from './chat-ingest.js';
export {
  DefaultTwitchActionDeliveryOptions,
  SendBudgetExhaustedError,
  TwitchActionDelivery,
  type TwitchActionDeliveryOptions,
} from './action-delivery.js';
