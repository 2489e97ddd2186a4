export { ConfigError, type ConfigIssue } from './errors.js';
export {
  CONFIG_DEFAULTS,
  LOG_LEVELS,
  csvList,
  jsonSetting,
  databaseUrl,
  expecting,
  keyPrefix,
  logLevel,
  port,
  positiveInt,
  redisUrl,
  type LogLevel,
} from './fields.js';
export { EXIT_CONFIG, configOrExit, loadConfig } from './load-config.js';
