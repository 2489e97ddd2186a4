import { configOrExit } from '@parley/config';
import { createLogger } from '@parley/observability';
import { ServiceStartup, runService } from '@parley/runtime';
import { HubConfigSchema } from './config.js';
import { HubModule, fastifyOptions } from './hub.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(HubConfigSchema, 'hub');
  const logger = createLogger({ service: 'hub', level: config.LOG_LEVEL });
  const startup = new ServiceStartup(logger);
  await runService(HubModule.forConfig(config, logger, startup), {
    service: 'hub',
    port: config.HUB_PORT ?? config.PORT,
    logger,
    telemetry,
    startup,
    fastify: fastifyOptions(config),
  });
}
