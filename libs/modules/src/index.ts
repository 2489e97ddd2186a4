export {
  WebhookError,
  WebhookHttpError,
  WebhookModuleConfigError,
  WebhookResponseError,
  WebhookTimeoutError,
  WebhookTransportError,
  type WebhookResponseProblem,
} from './errors.js';
export { DEFAULT_SIGNATURE_TOLERANCE_SECONDS, WebhookHeaders, signWebhookBody, verifyWebhookSignature } from './signature.js';
export {
  MAX_WEBHOOK_REPLY_LENGTH,
  WebhookReplyBody,
  type WebhookFallbackReason,
  type WebhookModule,
  type WebhookOutcome,
  type WebhookPayload,
  type WebhookReply,
  type WebhookRequest,
} from './types.js';
export {
  DefaultWebhookModuleClientOptions,
  WebhookModuleClient,
  type WebhookBreakerOptions,
  type WebhookInvocation,
  type WebhookModuleClientEvents,
  type WebhookModuleClientOptions,
} from './webhook-client.js';
