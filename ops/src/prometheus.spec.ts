import { describe, expect, it } from 'vitest';
import { withoutThresholds } from './prometheus.js';

describe('withoutThresholds', () => {
  it('makes every comparison against a number always true, and leaves the rest alone', () => {
    expect(withoutThresholds('max by (stream) (parley_bus_lag_entries) > 1000')).toBe('max by (stream) (parley_bus_lag_entries) >= -Inf');
    expect(withoutThresholds('max(x) < 1')).toBe('max(x) >= -Inf');
    expect(withoutThresholds('a == 2 and b > 0.5')).toBe('a >= -Inf and b >= -Inf');
    expect(withoutThresholds('sum(increase(x_total[15m])) > 1e3')).toBe('sum(increase(x_total[15m])) >= -Inf');
    expect(withoutThresholds('rate(parley_x{msg_id=~"msg_r9k|a"}[10m])')).toBe('rate(parley_x{msg_id=~"msg_r9k|a"}[10m])');
    expect(withoutThresholds('up{service!="x"} == 0')).toBe('up{service!="x"} >= -Inf');
  });
});
