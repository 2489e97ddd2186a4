export { ImportError, type ImportErrorCode } from './errors.js';
export type {
  Dialect,
  SourceBundle,
  SourceCommand,
  SourceCounter,
  SourceName,
  SourceQuote,
  SourceTimer,
  TemplateTranslation,
  TimerSchedule,
  TriggerMatch,
  UnreadableRecord,
} from './model.js';
export { parleyTemplate, translateTemplate } from './template/translate.js';
export { nightbotRole, slcbRole, streamElementsRole, type MappedRole } from './roles.js';
export { DefaultSourceHttpOptions, type SourceHttpOptions } from './sources/http.js';
export {
  NIGHTBOT_DEFAULT_URL,
  NIGHTBOT_SCOPES,
  cronEveryMinutes,
  exchangeNightbotCode,
  nightbotAuthorizeUrl,
  nightbotBundle,
  readNightbot,
  type NightbotOAuthApp,
  type NightbotSourceOptions,
} from './sources/nightbot.js';
export {
  STREAMELEMENTS_DEFAULT_URL,
  readStreamElements,
  streamElementsBundle,
  type StreamElementsBodies,
  type StreamElementsCredential,
  type StreamElementsSourceOptions,
} from './sources/streamelements.js';
export { SLCB_MAX_FILE_BYTES, readStreamlabsChatbot, splitSlcbQuote, type SourceFile } from './sources/streamlabs-chatbot.js';
export { DefaultXlsxOptions, readXlsxSheet, type XlsxOptions } from './sources/xlsx.js';
export {
  DOCUMENT_FORMAT,
  DOCUMENT_VERSION,
  MAX_DOCUMENT_BYTES,
  ParleyDocument,
  canonicalJson,
  parseDocument,
  serializeDocument,
  type CommunityContent,
} from './document.js';
export { candidatesFromBundle, candidatesFromDocument, type AnyCandidate, type ItemKind, type UrlCheck } from './candidates.js';
export { planImport, type CommunitySnapshot, type ImportPlan, type PlanAction, type PlanItem, type PlanSummary } from './plan.js';
export { DefaultImportJobsOptions, DryRunMismatchError, ImportJobs, type ImportJob, type ImportJobsOptions, type JobMode, type JobStatus, type ReportItem, type StartJob } from './jobs.js';
export { formatReport } from './report.js';
export { urlCheckFrom } from './url-check.js';
export { applyImport, exportCommunity, planForCommunity, type ApplyOptions, type ApplyResult, type ImportInput } from './store.js';
