/** The sharding keys follow the layout rule of @parley/contracts, where they are built. */
export { ShardingKeys } from '@parley/contracts';

/** What goes over the notices channel. */
export const Notice = {
  members: (platform: string) => `members:${platform}`,
  assignment: (platform: string) => `assignment:${platform}`,
  released: (lease: string) => `released:${lease}`,
} as const;
