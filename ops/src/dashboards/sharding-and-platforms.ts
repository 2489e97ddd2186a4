import type { DashboardSpec } from './panels.js';

/** Which ingest pod holds which channels, how often that changes, and each platform connection's health. */
export const shardingDashboard: DashboardSpec = {
  uid: 'parley-sharding',
  title: 'Parley / Sharding and platform connections',
  description: 'Shard assignment and moves, connections to the platforms, their health and the bot token.',
  rows: [
    {
      title: 'Shard manager',
      panels: [
        {
          title: 'Leader',
          description: 'Shard managers holding the leader lease: exactly 1 (alert: ParleyNoShardLeader).',
          kind: 'stat',
          width: 6,
          queries: [{ expr: 'sum(parley_shard_manager_leader)', legend: 'leaders' }],
        },
        {
          title: 'Units and members',
          description: 'Units placed (channels, gateway shards) and the live ingest pods they were placed on, per platform.',
          width: 9,
          queries: [
            { expr: 'max by (platform) (parley_shard_units)', legend: '{{platform}} units' },
            { expr: 'max by (platform) (parley_shard_members)', legend: '{{platform}} members' },
          ],
        },
        {
          title: 'Balance',
          description: 'Largest pod load over the mean load: 1 is perfect.',
          width: 9,
          queries: [{ expr: 'max by (platform) (parley_shard_max_over_mean_load)', legend: '{{platform}}' }],
        },
        {
          title: 'Rebalances and moved units',
          description: 'Assignments published and units that changed pod (alert: ParleyRebalancingStorm).',
          unit: 'ops',
          queries: [
            { expr: 'sum by (platform) (rate(parley_shard_rebalances_total[$__rate_interval]))', legend: '{{platform}} rebalances' },
            { expr: 'sum by (platform) (rate(parley_shard_moved_units_total[$__rate_interval]))', legend: '{{platform}} moved' },
          ],
        },
        {
          title: 'Channel hand-overs in ingest pods',
          description: 'Channels ingest pods took (owned), handed back (released) or lost with their lease (lost).',
          unit: 'ops',
          queries: [{ expr: 'sum by (service, change) (rate(parley_shard_channel_changes_total[$__rate_interval]))', legend: '{{service}} {{change}}' }],
        },
        {
          title: 'Assignment epoch: published and seen',
          description: 'An ingest pod whose seen epoch stays behind the published one does not follow the assignment.',
          queries: [
            { expr: 'max by (platform) (parley_shard_assignment_epoch)', legend: '{{platform}} published' },
            { expr: 'min by (service) (parley_shard_assignment_epoch_seen)', legend: '{{service}} oldest seen' },
          ],
        },
      ],
    },
    {
      title: 'Twitch',
      panels: [
        {
          title: 'Joined channels and connections',
          description: 'Channels joined and TMI connections held, per pod.',
          queries: [
            { expr: 'sum by (instance) (parley_twitch_joined_channels)', legend: '{{instance}} channels' },
            { expr: 'sum by (instance) (parley_twitch_connections)', legend: '{{instance}} connections' },
          ],
        },
        {
          title: 'Seconds since Twitch last said anything',
          description: 'Health is this age, not the socket state; Twitch PINGs every few minutes (alert: ParleyChatSilent).',
          unit: 's',
          queries: [{ expr: 'max by (instance) (parley_twitch_last_event_age_seconds)', legend: '{{instance}}' }],
        },
        {
          title: 'Reconnects',
          description: 'Reconnections of TMI connections.',
          unit: 'ops',
          queries: [{ expr: 'sum by (instance) (rate(parley_twitch_reconnects_total[$__rate_interval]))', legend: '{{instance}}' }],
        },
        {
          title: 'Token refreshes',
          description: 'Bot token refreshes by outcome: refreshed, failed (alert: ParleyTokenRefreshFailing), invalidated (Twitch said revoked).',
          unit: 'ops',
          queries: [{ expr: 'sum by (outcome) (rate(parley_twitch_token_refreshes_total[$__rate_interval]))', legend: '{{outcome}}' }],
        },
      ],
    },
  ],
};
