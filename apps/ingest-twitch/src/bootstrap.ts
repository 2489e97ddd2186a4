import { configOrExit } from '@parley/config';
import { createLogger } from '@parley/observability';
import { ServiceStartup, runService } from '@parley/runtime';
import { IngestTwitchConfigSchema } from './config.js';
import { IngestTwitchModule } from './ingest-twitch.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(IngestTwitchConfigSchema, 'ingest-twitch');
  const logger = createLogger({ service: 'ingest-twitch', level: config.LOG_LEVEL });
  const startup = new ServiceStartup(logger);
  await runService(IngestTwitchModule.forConfig(config, logger, startup), { service: 'ingest-twitch', port: config.PORT, logger, telemetry, startup });
}
