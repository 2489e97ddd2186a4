import type { DashboardSpec } from './panels.js';

/** The REST hub: traffic, errors, latency, limits and live tails. */
export const hubDashboard: DashboardSpec = {
  uid: 'parley-hub',
  title: 'Parley / Hub API',
  description: 'Requests, errors and latency per route of the hub, rate limits, authentication failures and live tails.',
  rows: [
    {
      title: 'Traffic',
      panels: [
        {
          title: 'Requests per route',
          description: 'Requests by method and route template.',
          unit: 'reqps',
          queries: [{ expr: 'sum by (method, route) (rate(parley_hub_requests_total[$__rate_interval]))', legend: '{{method}} {{route}}' }],
        },
        {
          title: 'Responses by status',
          description: 'Every response by status code: 4xx are the callers\', 5xx the hub\'s.',
          unit: 'reqps',
          queries: [{ expr: 'sum by (status) (rate(parley_hub_requests_total[$__rate_interval]))', legend: '{{status}}' }],
        },
        {
          title: 'Error ratio',
          description: 'Share of responses with status 500 or more.',
          unit: 'percentunit',
          queries: [{ expr: 'sum(rate(parley_hub_requests_total{status=~"5.."}[$__rate_interval]) or vector(0)) / sum(rate(parley_hub_requests_total[$__rate_interval]))', legend: '5xx' }],
        },
        {
          title: 'Latency p95 per route',
          description: 'Time to answer, 95th percentile.',
          unit: 's',
          queries: [{ expr: 'histogram_quantile(0.95, sum by (le, route) (rate(parley_hub_request_duration_seconds_bucket[$__rate_interval])))', legend: '{{route}}' }],
        },
      ],
    },
    {
      title: 'Limits and sessions',
      panels: [
        {
          title: 'Rate limited',
          description: 'Requests refused with 429, by the limit that refused them (key, ip).',
          unit: 'reqps',
          queries: [{ expr: 'sum by (rule) (rate(parley_hub_rate_limited_total[$__rate_interval]))', legend: '{{rule}}' }],
        },
        {
          title: 'Authentication failures',
          description: 'Requests refused with 401, by reason (missing, invalid, revoked).',
          unit: 'reqps',
          queries: [{ expr: 'sum by (reason) (rate(parley_hub_auth_failures_total[$__rate_interval]))', legend: '{{reason}}' }],
        },
        {
          title: 'Live tails open',
          description: 'Server-sent event streams open, summed over hub pods.',
          queries: [{ expr: 'sum(parley_hub_tails_open)', legend: 'tails' }],
        },
        {
          title: 'Configuration notices not published',
          description: 'Changes routers were not told about at once (they catch up when their cache expires).',
          unit: 'ops',
          queries: [{ expr: 'sum(rate(parley_hub_config_notices_failed_total[$__rate_interval]))', legend: 'failed' }],
        },
      ],
    },
  ],
};
