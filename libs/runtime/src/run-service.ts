import 'reflect-metadata';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyServerOptions } from 'fastify';
import { createNestLogger } from '@parley/observability';
import type { Logger } from 'pino';
import type { ServiceStartup } from './startup.js';

export interface RunServiceOptions {
  service: string;
  /** HTTP port for /metrics, /healthz, /readyz (and the app's own routes). */
  port: number;
  logger: Logger;
  /** Flushed last, after the app closed, so the shutdown's own spans are exported. */
  telemetry: { shutdown(): Promise<void> };
  /** What the service does before it is ready; run after the HTTP server listens. */
  startup: ServiceStartup;
  /** Fastify's own options (e.g. `trustProxy` behind an ingress). */
  fastify?: FastifyServerOptions;
}

/** Exit code when a start-up step fails while its dependencies answer (a bug or a broken migration, not an outage). */
export const EXIT_STARTUP_FAILED = 1;

/**
 * The process shell every Parley app runs in: NestJS on Fastify with pino logs, listening
 * on `port` at once (so /healthz answers and /readyz says what it waits for while a
 * dependency is down), then the service's start-up steps, and one graceful shutdown on
 * SIGTERM or SIGINT (the start stops waiting, lifecycle hooks finish the work in hand,
 * telemetry is flushed, the process exits).
 */
export async function runService(module: DynamicModule, options: RunServiceOptions): Promise<NestFastifyApplication> {
  const { service, port, logger, telemetry, startup } = options;
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(options.fastify), { logger: createNestLogger(logger) });
  await app.listen(port, '0.0.0.0');
  logger.info({ port }, `${service} listening`);

  let stopping: Promise<void> | undefined;
  const stop = (reason: string, code = 0) =>
    (stopping ??= (async () => {
      logger.info({ reason }, `${service} stopping`);
      await startup.stop();
      await app.close();
      await telemetry.shutdown();
      process.exit(code);
    })());
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  startup.run().then(
    () => {
      if (startup.started) logger.info(`${service} ready`);
    },
    (error: Error) => {
      logger.fatal(`${service} cannot start: ${error.message}`);
      void stop('start-up failed', EXIT_STARTUP_FAILED);
    },
  );
  return app;
}
