/**
 * `npm run render:deploy`: writes what the chart and k8s/ ship that is generated from
 * code — the Grafana dashboards (ops/src/dashboards → helm/parley/files/dashboards) and
 * k8s/ (the chart rendered with k8s/values.yaml, and a kustomize component per ingest
 * platform it leaves off). ops/src/*.int.spec.ts fail
 * when the files in the tree and a fresh render disagree.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dashboardsDir, renderDashboards } from './dashboard-files.js';
import { k8sDir, renderK8sManifests } from './k8s-manifests.js';

const rendered = renderDashboards();
mkdirSync(dashboardsDir, { recursive: true });
for (const file of readdirSync(dashboardsDir)) if (!rendered.has(file)) rmSync(join(dashboardsDir, file));
for (const [file, json] of rendered) writeFileSync(join(dashboardsDir, file), json);
const manifests = await renderK8sManifests();
for (const [file, text] of manifests) {
  mkdirSync(dirname(join(k8sDir, file)), { recursive: true });
  writeFileSync(join(k8sDir, file), text);
}
process.stdout.write(`render: ${rendered.size} dashboards in ${dashboardsDir}; ${[...manifests.keys()].map((file) => `k8s/${file}`).join(', ')}\n`);
