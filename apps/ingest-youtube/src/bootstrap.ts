import { configOrExit } from '@parley/config';
import { createLogger } from '@parley/observability';
import { ServiceStartup, runService } from '@parley/runtime';
import { IngestYouTubeConfigSchema } from './config.js';
import { IngestYouTubeModule } from './ingest-youtube.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(IngestYouTubeConfigSchema, 'ingest-youtube');
  const logger = createLogger({ service: 'ingest-youtube', level: config.LOG_LEVEL });
  const startup = new ServiceStartup(logger);
  await runService(IngestYouTubeModule.forConfig(config, logger, startup), { service: 'ingest-youtube', port: config.PORT, logger, telemetry, startup });
}
