import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The hub's series. Labels are route templates and outcomes: never a key, IP or community. */
export class HubMetrics {
  readonly rateLimited: Counter<'rule'>;
  readonly authFailures: Counter<'reason'>;
  readonly noticesFailed: Counter;
  readonly tailsOpen: Gauge;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'parley_hub_requests_total',
      help: 'HTTP requests by method, route template and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'parley_hub_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route template.',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.rateLimited = new Counter({
      name: 'parley_hub_rate_limited_total',
      help: 'Requests refused with 429, by the limit that refused them (key, ip, login-key, login-ip).',
      labelNames: ['rule'] as const,
      registers: [registry],
    });
    this.authFailures = new Counter({
      name: 'parley_hub_auth_failures_total',
      help: 'Requests refused with 401, by reason (missing, invalid, revoked).',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.noticesFailed = new Counter({
      name: 'parley_hub_config_notices_failed_total',
      help: 'Configuration-change notices that could not be published (routers catch up when their cache expires).',
      registers: [registry],
    });
    this.tailsOpen = new Gauge({ name: 'parley_hub_tails_open', help: 'Live tails (SSE) currently open.', registers: [registry] });
  }

  /** Counts every response, unknown routes under one `unmatched` label. */
  observe(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.duration.observe({ method: request.method, route }, reply.elapsedTime / 1_000);
    });
  }
}
