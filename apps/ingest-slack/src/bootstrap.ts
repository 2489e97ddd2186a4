import { configOrExit } from '@parley/config';
import { createLogger } from '@parley/observability';
import { ServiceStartup, runService } from '@parley/runtime';
import { IngestSlackConfigSchema } from './config.js';
import { IngestSlackModule } from './ingest-slack.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(IngestSlackConfigSchema, 'ingest-slack');
  const logger = createLogger({ service: 'ingest-slack', level: config.LOG_LEVEL });
  const startup = new ServiceStartup(logger);
  await runService(IngestSlackModule.forConfig(config, logger, startup), { service: 'ingest-slack', port: config.PORT, logger, telemetry, startup });
}
