import { configOrExit } from '@parley/config';
import { createLogger } from '@parley/observability';
import { ServiceStartup, runService } from '@parley/runtime';
import { ShardManagerConfigSchema } from './config.js';
import { ShardManagerModule } from './shard-manager.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(ShardManagerConfigSchema, 'shard-manager');
  const logger = createLogger({ service: 'shard-manager', level: config.LOG_LEVEL });
  const startup = new ServiceStartup(logger);
  await runService(ShardManagerModule.forConfig(config, logger, startup), { service: 'shard-manager', port: config.PORT, logger, telemetry, startup });
}
