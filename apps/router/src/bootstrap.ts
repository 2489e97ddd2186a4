import { configOrExit } from '@parley/config';
import { migrate } from '@parley/db';
import { createLogger } from '@parley/observability';
import { runService } from '@parley/runtime';
import { RouterConfigSchema } from './config.js';
import { RouterModule } from './router.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(RouterConfigSchema, 'router');
  const logger = createLogger({ service: 'router', level: config.LOG_LEVEL });
  if (config.PARLEY_MIGRATE_ON_START) {
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  await runService(RouterModule.forConfig(config, logger), { service: 'router', port: config.PORT, logger, telemetry });
}
