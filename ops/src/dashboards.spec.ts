import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardsDir, renderDashboards, shippedPanelQueries } from './dashboard-files.js';

describe('dashboards', () => {
  it('the chart ships exactly what ops/src/dashboards renders (npm run render:deploy rewrites them)', () => {
    const rendered = renderDashboards();
    expect(readdirSync(dashboardsDir).sort()).toEqual([...rendered.keys()].sort());
    for (const [file, json] of rendered) expect(readFileSync(join(dashboardsDir, file), 'utf8'), file).toBe(json);
  });

  it('every panel queries the picked Prometheus, and only series Parley exports or Prometheus makes', () => {
    const queries = shippedPanelQueries();
    expect(queries.length).toBeGreaterThanOrEqual(30);
    for (const { panel, expr } of queries) {
      // Which of these series exist is proven against live apps in e2e/dashboards-and-alerts.int.spec.ts.
      expect(expr, panel).toMatch(/\b(?:parley|process|nodejs)_[a-z0-9_]+|\bup\b/);
    }
    for (const file of readdirSync(dashboardsDir)) {
      const { panels } = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as { panels: Array<{ type: string; datasource?: { uid: string } }> };
      for (const panel of panels.filter((p) => p.type !== 'row')) expect(panel.datasource?.uid).toBe('${datasource}');
    }
  });
});
