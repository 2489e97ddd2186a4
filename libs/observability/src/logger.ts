import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import { REDACTED, redactUrlCredentials } from './redact.js';

export interface LoggerOptions {
  /** Added to every line as `service`. */
  service: string;
  /** pino level name; default `info`. */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/** Fields whose values are URLs: only their credentials are hidden, the rest stays readable. */
const URL_FIELDS = ['redisUrl', 'databaseUrl', 'REDIS_URL', 'DATABASE_URL'];
/** Fields that are secrets through and through. */
const SECRET_FIELDS = ['token', 'accessToken', 'refreshToken', 'password', 'secret', 'clientSecret', 'apiKey', 'authorization', 'cookie'];

export const LOGGER_DEFAULTS = {
  level: 'info',
  /**
   * pino redact paths: each field at the top level and one level down (`config.password`,
   * `credentials.token`), plus request headers as HTTP loggers nest them.
   */
  redactPaths: [
    ...[...SECRET_FIELDS, ...URL_FIELDS].flatMap((field) => [field, `*.${field}`]),
    'headers.authorization',
    'headers.cookie',
    'req.headers.authorization',
    'req.headers.cookie',
    '*.headers.authorization',
  ],
} as const;

/**
 * JSON lines on stdout: `level` (name), `time` (ISO), `service`, `msg`, and `trace_id` /
 * `span_id` of the active OpenTelemetry span, so a log line in Loki or a terminal leads
 * to its trace in Jaeger. Secret-looking fields are redacted before anything is written.
 */
export function createLogger(options: LoggerOptions): Logger {
  const urlFields = new Set(URL_FIELDS);
  return pino(
    {
      level: options.level ?? LOGGER_DEFAULTS.level,
      base: { service: options.service, pid: process.pid },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [...LOGGER_DEFAULTS.redactPaths],
        censor: (value, path) =>
          urlFields.has(path.at(-1) ?? '') && typeof value === 'string' ? redactUrlCredentials(value) : REDACTED,
      },
      mixin: activeTraceFields,
    },
    options.destination,
  );
}

function activeTraceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const spanContext = span.spanContext();
  // A non-recording placeholder span (SDK disabled) has all-zero ids: worse than none.
  if (!isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
