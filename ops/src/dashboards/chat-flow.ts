import type { DashboardSpec } from './panels.js';

/** From a viewer's message to the bot's answer: ingest, bus, router, modules, delivery. */
export const chatFlowDashboard: DashboardSpec = {
  uid: 'parley-chat-flow',
  title: 'Parley / Chat flow',
  description: 'Chat events per platform, router outcomes and latency, the bus, webhook module breakers, delivery and what platforms refuse.',
  rows: [
    {
      title: 'Events',
      panels: [
        {
          title: 'Chat events read per platform',
          description: 'What ingest read from each platform, by outcome: published on the bus, duplicate (already published), ignored, rejected (dead-lettered).',
          unit: 'ops',
          queries: [{ expr: 'sum by (platform, outcome) (rate(parley_ingest_events_total[$__rate_interval]))', legend: '{{platform}} {{outcome}}' }],
        },
        {
          title: 'Router outcomes',
          description: 'Events the router handled, by outcome: answered, not-a-command, unknown-command, denied, cooldown, throttled, expired (too old to answer), duplicate, error.',
          unit: 'ops',
          queries: [{ expr: 'sum by (platform, outcome) (rate(parley_router_events_total[$__rate_interval]))', legend: '{{platform}} {{outcome}}' }],
        },
        {
          title: 'Event → action latency',
          description: 'From ingest receiving a message to the router writing its answer, for answered events.',
          unit: 's',
          queries: [0.5, 0.95, 0.99].map((quantile) => ({
            expr: `histogram_quantile(${quantile}, sum by (le, platform) (rate(parley_router_event_to_action_seconds_bucket[$__rate_interval])))`,
            legend: `{{platform}} p${quantile * 100}`,
          })),
        },
        {
          title: 'Refusals by reason',
          description: 'Commands the router did not answer because a rule said no: permission (denied), cooldown, the per-viewer answer limit (throttled), age (expired).',
          unit: 'ops',
          queries: [{ expr: 'sum by (platform, outcome) (rate(parley_router_events_total{outcome=~"denied|cooldown|throttled|expired"}[$__rate_interval]))', legend: '{{platform}} {{outcome}}' }],
        },
      ],
    },
    {
      title: 'Bus',
      panels: [
        {
          title: 'Lag per event stream',
          description: 'Entries not yet delivered to the router group (alert: ParleyBusLagHigh).',
          queries: [{ expr: 'max by (stream) (parley_bus_lag_entries)', legend: '{{stream}}' }],
        },
        {
          title: 'Pending per event stream',
          description: 'Entries delivered to a router and not acknowledged yet.',
          queries: [{ expr: 'max by (stream) (parley_bus_pending_entries)', legend: '{{stream}}' }],
        },
        {
          title: 'Dead letters and reclaims',
          description: 'Entries moved to the dead-letter stream (alert: ParleyDeadLettersGrowing) and entries taken over from routers that stopped.',
          unit: 'ops',
          queries: [
            { expr: 'sum(rate(parley_bus_dead_lettered_total[$__rate_interval]))', legend: 'dead-lettered' },
            { expr: 'sum(rate(parley_bus_reclaimed_total[$__rate_interval]))', legend: 'reclaimed' },
          ],
        },
        {
          title: 'Configuration cache',
          description: 'Router configuration lookups by result; degraded is 1 while PostgreSQL is unreachable and routers answer from cache.',
          queries: [
            { expr: 'sum by (result) (rate(parley_router_config_cache_total[$__rate_interval]))', legend: '{{result}}' },
            { expr: 'max(parley_router_config_degraded)', legend: 'degraded' },
          ],
        },
      ],
    },
    {
      title: 'Webhook modules',
      panels: [
        {
          title: 'Breaker state per module',
          description: '0 closed, 1 half-open, 2 open (alert: ParleyModuleBreakerOpen).',
          queries: [{ expr: 'max by (module_id) (parley_module_breaker_state)', legend: '{{module_id}}' }],
        },
        {
          title: 'Module calls by outcome',
          description: 'reply, silent, or fallback with its reason (timeout, error, breaker open).',
          unit: 'ops',
          queries: [{ expr: 'sum by (outcome, reason) (rate(parley_module_calls_total[$__rate_interval]))', legend: '{{outcome}} {{reason}}' }],
        },
      ],
    },
    {
      title: 'Delivery',
      panels: [
        {
          title: 'Actions delivered per platform',
          description: 'Actions by outcome: delivered, deferred (no send budget yet: retried), expired (too old), duplicate.',
          unit: 'ops',
          queries: [{ expr: 'sum by (platform, kind, outcome) (rate(parley_delivery_actions_total[$__rate_interval]))', legend: '{{platform}} {{kind}} {{outcome}}' }],
        },
        {
          title: 'Sends Twitch refused, by reason',
          description: 'NOTICEs answering the bot: msg_ratelimit (send budget exceeded), msg_duplicate, msg_banned, chat modes (alert: ParleySendsRefused).',
          unit: 'ops',
          queries: [{ expr: 'sum by (msg_id) (rate(parley_twitch_notices_total[$__rate_interval]))', legend: '{{msg_id}}' }],
        },
      ],
    },
    {
      title: 'Pods',
      panels: [
        {
          title: 'Ready pods per app',
          description: 'Pods whose /readyz passes (alert: ParleyPodNotReady).',
          kind: 'stat',
          queries: [{ expr: 'sum by (service) (parley_ready)', legend: '{{service}}' }],
        },
        {
          title: 'Scraped pods per app',
          description: 'Targets Prometheus reaches (alert: ParleyTargetDown).',
          kind: 'stat',
          queries: [{ expr: 'sum by (service) (up{service=~"router|hub|shard-manager|ingest-.+"})', legend: '{{service}}' }],
        },
        {
          title: 'CPU per app',
          description: 'CPU seconds per second, summed over each app\'s pods.',
          unit: 'percentunit',
          queries: [{ expr: 'sum by (service) (rate(process_cpu_seconds_total[$__rate_interval]))', legend: '{{service}}' }],
        },
        {
          title: 'Event loop lag p99',
          description: 'A busy event loop delays everything in the pod: answers, heartbeats, probes.',
          unit: 's',
          queries: [{ expr: 'max by (service) (nodejs_eventloop_lag_p99_seconds)', legend: '{{service}}' }],
        },
      ],
    },
  ],
};
