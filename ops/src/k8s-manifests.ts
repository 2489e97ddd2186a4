import { join } from 'node:path';
import { helmTemplate, repoRoot } from './tools.js';

/** Values for the plain manifests in k8s/: the chart's defaults plus what k8s/values.yaml changes. */
export const k8sValuesFile = join(repoRoot, 'k8s', 'values.yaml');
export const k8sManifestFile = join(repoRoot, 'k8s', 'parley.yaml');

const HEADER = `# Rendered from helm/parley with k8s/values.yaml by \`npm run render:deploy\`; do not edit.
# ops/src/chart.int.spec.ts fails when this file and the chart disagree.
# Apply: kubectl create namespace parley && kubectl -n parley apply -f k8s/parley.yaml
`;

/** k8s/parley.yaml as the chart renders it now. */
export async function renderK8sManifests(): Promise<string> {
  return `${HEADER}${await helmTemplate([k8sValuesFile])}`;
}
