/**
 * `npm run render:deploy`: writes what the chart and k8s/ ship that is generated from
 * code — the Grafana dashboards (ops/src/dashboards → helm/parley/files/dashboards) and
 * k8s/parley.yaml (the chart rendered with k8s/values.yaml). ops/src/*.int.spec.ts fail
 * when the files in the tree and a fresh render disagree.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardsDir, renderDashboards } from './dashboard-files.js';
import { k8sManifestFile, renderK8sManifests } from './k8s-manifests.js';

const rendered = renderDashboards();
mkdirSync(dashboardsDir, { recursive: true });
for (const file of readdirSync(dashboardsDir)) if (!rendered.has(file)) rmSync(join(dashboardsDir, file));
for (const [file, json] of rendered) writeFileSync(join(dashboardsDir, file), json);
writeFileSync(k8sManifestFile, await renderK8sManifests());
process.stdout.write(`render: ${rendered.size} dashboards in ${dashboardsDir}; ${k8sManifestFile}\n`);
