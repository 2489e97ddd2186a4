import { Controller, Get, Inject, Module, Res, ServiceUnavailableException, type DynamicModule } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import type { HealthChecks, ReadinessReport } from './health.js';

export const METRICS_REGISTRY = Symbol('parley.observability.registry');
export const HEALTH_CHECKS = Symbol('parley.observability.health');

export interface ObservabilityModuleOptions {
  registry: Registry;
  health: HealthChecks;
}

/** Fastify's reply and Express's response both set headers; only that is needed here. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/** The three routes every Parley service serves for Prometheus and Kubernetes. */
@Controller()
export class ObservabilityController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(HEALTH_CHECKS) private readonly health: HealthChecks,
  ) {}

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: HeaderSetter): Promise<string> {
    reply.header('content-type', this.registry.contentType);
    return this.registry.metrics();
  }

  /** Liveness: answers while the event loop runs, whatever the dependencies do. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return this.health.liveness();
  }

  /** Readiness: 200 with every check "ok", else 503 naming what failed. */
  @Get('readyz')
  async readyz(): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    if (!report.ready) throw new ServiceUnavailableException(report);
    return report;
  }
}

@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityModuleOptions): DynamicModule {
    registerReadinessGauge(options.registry, options.health);
    return {
      module: ObservabilityModule,
      controllers: [ObservabilityController],
      providers: [
        { provide: METRICS_REGISTRY, useValue: options.registry },
        { provide: HEALTH_CHECKS, useValue: options.health },
      ],
      exports: [METRICS_REGISTRY, HEALTH_CHECKS],
    };
  }
}

/**
 * `parley_ready`: what /readyz says, as a series, so a pod that Kubernetes keeps out of
 * its Service (Redis unreachable, channels not joined) shows up in Prometheus and in an
 * alert; Prometheus scrapes not-ready endpoints too. Computed at scrape time.
 */
function registerReadinessGauge(registry: Registry, health: HealthChecks): void {
  if (registry.getSingleMetric('parley_ready')) return;
  new Gauge({
    name: 'parley_ready',
    help: '1 while every readiness check passes (what /readyz answers), else 0.',
    registers: [registry],
    async collect() {
      this.set((await health.readiness()).ready ? 1 : 0);
    },
  });
}
