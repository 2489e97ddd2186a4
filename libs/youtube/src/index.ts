export { QuotaExhaustedError, YouTubeApiError } from './errors.js';
export {
  DefaultLiveChatReaderOptions,
  LiveChatReader,
  asApiError,
  type LiveChatPage,
  type LiveChatReaderOptions,
  type LiveChatReaderState,
  type OptionalLiveChatReaderOptions,
  type RequiredLiveChatReaderOptions,
} from './live-chat-reader.js';
export { itemType, normalizeLiveChatItem, type LiveChatItem, type NormalizeLiveChatOptions } from './normalize.js';
export { STREAM_LIST_PROTO, STREAM_LIST_PROTO_OPTIONS } from './proto.js';
export {
  DefaultQuotaBudgetOptions,
  QuotaBudget,
  pacificQuotaDay,
  type OptionalQuotaBudgetOptions,
  type QuotaBudgetOptions,
  type QuotaPurpose,
  type QuotaUsage,
  type RequiredQuotaBudgetOptions,
} from './quota-budget.js';
export { youtubeRoles, type YouTubeAuthorDetails } from './roles.js';
export { ChannelWatch, type YouTubeChannelAccess, type YouTubeFrame, type YouTubeProject } from './channel-watch.js';
export { DefaultLiveCheckPlannerOptions, LiveCheckPlanner, type LiveCheckPlannerOptions } from './live-check-planner.js';
export { LiveStateStore, type LiveState, type LiveStatus } from './live-state.js';
export { DefaultGoogleTokenUrl, GoogleTokenIssuer, type GoogleTokenIssuerOptions } from './google-token.js';
export {
  DefaultYouTubeAdapterOptions,
  YouTubeAdapter,
  type LongMessagePolicy,
  type OptionalYouTubeAdapterOptions,
  type RequiredYouTubeAdapterOptions,
  type YouTubeAdapterOptions,
} from './youtube-adapter.js';
