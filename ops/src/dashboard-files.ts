import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboard, dashboards } from './dashboards/index.js';
import { chartDir } from './tools.js';

export const dashboardsDir = join(chartDir, 'files', 'dashboards');

/** File name → the JSON the chart ships for each dashboard, as rendered from ops/src/dashboards now. */
export function renderDashboards(): Map<string, string> {
  return new Map(dashboards.map((spec) => [`${spec.uid}.json`, `${JSON.stringify(buildDashboard(spec), null, 2)}\n`]));
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

/** Every query of every panel in the dashboard files the chart ships. */
export function shippedPanelQueries(): PanelQuery[] {
  return readdirSync(dashboardsDir)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => {
      const { title, panels } = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as {
        title: string;
        panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }>;
      };
      return panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ dashboard: title, panel: panel.title, expr: target.expr })));
    });
}
