import { configOrExit } from '@parley/config';
import { createLogger } from '@parley/observability';
import { ServiceStartup, runService } from '@parley/runtime';
import { RouterConfigSchema } from './config.js';
import { RouterModule } from './router.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(RouterConfigSchema, 'router');
  const logger = createLogger({ service: 'router', level: config.LOG_LEVEL });
  const startup = new ServiceStartup(logger);
  await runService(RouterModule.forConfig(config, logger, startup), { service: 'router', port: config.PORT, logger, telemetry, startup });
}
