import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { configOrExit } from '@parley/config';
import { createLogger, createNestLogger } from '@parley/observability';
import { RouterConfigSchema } from './config.js';
import { RouterModule } from './router.module.js';

export async function bootstrap(telemetry: { shutdown(): Promise<void> }): Promise<void> {
  const config = configOrExit(RouterConfigSchema, 'router');
  const logger = createLogger({ service: 'router', level: config.LOG_LEVEL });
  const app = await NestFactory.create<NestFastifyApplication>(RouterModule.forConfig(config, logger), new FastifyAdapter(), {
    logger: createNestLogger(logger),
  });
  app.enableShutdownHooks();
  await app.listen(config.PORT, '0.0.0.0');
  logger.info({ port: config.PORT }, 'router ready');
  const stop = async () => {
    await app.close();
    await telemetry.shutdown();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
