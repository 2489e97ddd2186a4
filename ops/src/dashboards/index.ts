import { chatFlowDashboard } from './chat-flow.js';
import { hubDashboard } from './hub.js';
import type { DashboardSpec } from './panels.js';
import { shardingDashboard } from './sharding-and-platforms.js';

export { buildDashboard, type DashboardSpec, type PanelSpec, type Query } from './panels.js';

/** Every dashboard the chart ships, one JSON file each under helm/parley/files/dashboards. */
export const dashboards: DashboardSpec[] = [chatFlowDashboard, shardingDashboard, hubDashboard];
