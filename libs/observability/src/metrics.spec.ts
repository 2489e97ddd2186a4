import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics.js';

describe('createMetricsRegistry', () => {
  it('has process metrics and labels every series with the service', async () => {
    const registry = createMetricsRegistry('router');
    const handled = new Counter({ name: 'parley_test_handled_total', help: 'test', registers: [registry] });
    handled.inc();
    const text = await registry.metrics();
    expect(text).toContain('parley_test_handled_total{service="router"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="router"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="router"\} /m);
  });

  it('gives each service its own registry', async () => {
    const a = createMetricsRegistry('a');
    const b = createMetricsRegistry('b');
    new Counter({ name: 'parley_test_only_in_a_total', help: 'test', registers: [a] });
    expect(await b.metrics()).not.toContain('parley_test_only_in_a_total');
  });
});
