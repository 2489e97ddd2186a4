export { alertRulesFile, loadAlertRules, type AlertRule } from './alert-rules.js';
export { shippedPanelQueries, type PanelQuery } from './dashboard-files.js';
export { LocalPrometheus, PROMETHEUS_DEFAULTS, withoutThresholds, type PrometheusOptions, type QueryResult, type ScrapeTarget } from './prometheus.js';
