// Applies pending migrations and exits: the Helm chart's pre-install/pre-upgrade Job.
import { configOrExit } from '@parley/config';
import { migrate } from '@parley/db';
import { createLogger } from '@parley/observability';
import { MigrateConfigSchema } from './config.js';

const config = configOrExit(MigrateConfigSchema, 'migrate');
const logger = createLogger({ service: 'migrate', level: config.LOG_LEVEL });
try {
  const applied = await migrate(config.DATABASE_URL, { log: (line) => logger.debug(line) });
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database already up to date');
} catch (error) {
  logger.error({ err: (error as Error).message }, 'migration failed');
  process.exitCode = 1;
}
