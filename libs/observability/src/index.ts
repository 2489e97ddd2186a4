export {
  HEALTH_DEFAULTS,
  HealthChecks,
  postgresCheck,
  redisCheck,
  type HealthCheck,
  type HealthOptions,
  type PingableRedis,
  type QueryablePool,
  type ReadinessReport,
} from './health.js';
export { LOGGER_DEFAULTS, createLogger, type LoggerOptions } from './logger.js';
export { createMetricsRegistry } from './metrics.js';
export { createNestLogger } from './nest-logger.js';
export {
  HEALTH_CHECKS,
  METRICS_REGISTRY,
  ObservabilityController,
  ObservabilityModule,
  type ObservabilityModuleOptions,
} from './observability.module.js';
export { REDACTED, redactUrlCredentials } from './redact.js';
