import { configOrExit } from '@parley/config';
import { migrate } from '@parley/db';
import { createLogger } from '@parley/observability';
import { runService } from '@parley/runtime';
import { ShardManagerConfigSchema } from './config.js';
import { ShardManagerModule } from './shard-manager.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(ShardManagerConfigSchema, 'shard-manager');
  const logger = createLogger({ service: 'shard-manager', level: config.LOG_LEVEL });
  if (config.PARLEY_MIGRATE_ON_START) {
    const applied = await migrate(config.DATABASE_URL);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  await runService(ShardManagerModule.forConfig(config, logger), { service: 'shard-manager', port: config.PORT, logger, telemetry });
}
