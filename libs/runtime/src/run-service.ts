import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import { createNestLogger } from '@parley/observability';
import type { Logger } from 'pino';

export interface RunServiceOptions {
  service: string;
  /** HTTP port for /metrics, /healthz, /readyz (and the app's own routes). */
  port: number;
  logger: Logger;
  /** Flushed last, after the app closed, so the shutdown's own spans are exported. */
  telemetry: { shutdown(): Promise<void> };
  /** Fastify's own options (e.g. `trustProxy` behind an ingress). */
  fastify?: FastifyServerOptions;
}

/**
 * The process shell every Parley app runs in: NestJS on Fastify with pino logs, listening
 * on `port`, and one graceful shutdown on SIGTERM or SIGINT (lifecycle hooks finish the
 * work in hand, then telemetry is flushed and the process exits).
 */
export async function runService(module: DynamicModule, options: RunServiceOptions): Promise<NestFastifyApplication> {
  const { service, port, logger, telemetry } = options;
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(options.fastify), { logger: createNestLogger(logger) });
  await app.listen(port, '0.0.0.0');
  logger.info({ port }, `${service} ready`);

  let stopping: Promise<void> | undefined;
  const stop = (signal: string) =>
    (stopping ??= (async () => {
      logger.info({ signal }, `${service} stopping`);
      await app.close();
      await telemetry.shutdown();
      process.exit(0);
    })());
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  return app;
}
