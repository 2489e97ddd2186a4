export { REDIS_RECONNECT_DEFAULTS, createRedisConnection, duplicateConnection, parseRedisTarget, type RedisTarget } from './redis-connection.js';
export { EXIT_STARTUP_FAILED, runService, type RunServiceOptions } from './run-service.js';
export { STARTUP_DEFAULTS, ServiceStartup, StartupError, type ServiceStartupOptions } from './startup.js';
