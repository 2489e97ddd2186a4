export type { OutboundMessage, PendingSend, PlatformAdapter, SendOutcome } from './adapter.js';
export {
  IngestError,
  NotConnectedError,
  SendBudgetExhaustedError,
  SendDeferredError,
  TokenRefreshError,
  UnsupportedActionError,
} from './errors.js';
export { IngestKeys } from './ingest-keys.js';
export { ChatIngest, DefaultChatIngestOptions, type ChatIngestOptions } from './chat-ingest.js';
export {
  DefaultOutboundDeliveryOptions,
  OutboundDelivery,
  type AmbiguousPolicy,
  type DeliveryOutcome,
  type OptionalOutboundDeliveryOptions,
  type OutboundDeliveryOptions,
  type RequiredOutboundDeliveryOptions,
} from './outbound-delivery.js';
export { DefaultSendBudgetOptions, SendBudget, type SendBudgetOptions, type SendLane, type SlotLimiter, type WindowLimit } from './send-budget.js';
export { ConnectionHealth } from './connection-health.js';
export { ChannelUnitHandler, type ChannelUnit } from './channel-units.js';
export {
  DefaultSharedTokenOptions,
  SharedTokenProvider,
  StaticAuthProvider,
  type AuthProvider,
  type OptionalSharedTokenOptions,
  type RequiredSharedTokenOptions,
  type SharedTokenOptions,
  type TokenGrant,
  type TokenIssuer,
} from './shared-token.js';
export { IngestRunner, type IngestRunnerDeps, type RunnerLogger } from './ingest-runner.js';
export { registerIngestMetrics, type IngestMetricsSources } from './ingest-metrics.js';
export { ingestPodFields, type IngestPodConfig } from './ingest-config.js';
export { createActionDelivery, type ActionDeliveryDeps } from './action-delivery.js';
