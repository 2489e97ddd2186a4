import { configOrExit } from '@parley/config';
import { migrate } from '@parley/db';
import { createLogger } from '@parley/observability';
import { runService } from '@parley/runtime';
import { HubConfigSchema } from './config.js';
import { HubModule, fastifyOptions } from './hub.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(HubConfigSchema, 'hub');
  const logger = createLogger({ service: 'hub', level: config.LOG_LEVEL });
  if (config.PARLEY_MIGRATE_ON_START) {
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  await runService(HubModule.forConfig(config, logger), {
    service: 'hub',
    port: config.HUB_PORT ?? config.PORT,
    logger,
    telemetry,
    fastify: fastifyOptions(config),
  });
}
