export {
  DefaultSlackEventsReceiverOptions,
  SlackEventsReceiver,
  type SlackEventsReceiverOptions,
  type SlackHttpRequest,
  type SlackHttpResponse,
  type SlackIgnoredReason,
  type SlackWorkspace,
} from './events-receiver.js';
export { SLACK_SIGNATURE_TOLERANCE_SECONDS, signSlackRequest, verifySlackSignature, type SlackSignatureVerdict } from './signature.js';
export { slackRoles, type SlackUserFlags } from './roles.js';
export { DefaultSlackUserRolesOptions, SlackUserRoles, type SlackUserLookup, type SlackUserRolesOptions } from './user-roles.js';
export { DefaultSlackAdapterOptions, SlackAdapter, type SlackAdapterOptions, type SlackWorkspaceToken } from './slack-adapter.js';
export { parseSlackMessageId, slackMessageId, type SlackMessageRef } from './message-id.js';
