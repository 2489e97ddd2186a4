import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartDir } from './tools.js';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations: { summary: string; description: string; runbook: string };
}

/** The chart's alert rules file: the one source the PrometheusRule and promtool read. */
export const alertRulesFile = join(chartDir, 'files', 'alerts.rules.yaml');

export function loadAlertRules(): AlertRule[] {
  const { groups } = parse(readFileSync(alertRulesFile, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return groups.flatMap((group) => group.rules);
}
