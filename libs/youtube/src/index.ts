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
