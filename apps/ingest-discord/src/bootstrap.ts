import { configOrExit } from '@parley/config';
import { createLogger } from '@parley/observability';
import { ServiceStartup, runService } from '@parley/runtime';
import { IngestDiscordConfigSchema } from './config.js';
import { IngestDiscordModule } from './ingest-discord.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(IngestDiscordConfigSchema, 'ingest-discord');
  const logger = createLogger({ service: 'ingest-discord', level: config.LOG_LEVEL });
  const startup = new ServiceStartup(logger);
  await runService(IngestDiscordModule.forConfig(config, logger, startup), { service: 'ingest-discord', port: config.PORT, logger, telemetry, startup });
}
