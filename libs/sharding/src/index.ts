export {
  BoundedLoadPlacement,
  ConsistentHashPlacement,
  DefaultBoundedLoadOptions,
  DefaultConsistentHashOptions,
  DefaultStickyOptions,
  loadsOf,
  movedUnits,
  Placement,
  ringPosition,
  StickyBoundedLoadPlacement,
  type AssignableUnit,
  type BoundedLoadOptions,
  type ConsistentHashOptions,
  type PlacementView,
  type PlacementStrategy,
} from './placement.js';
export { Notice, ShardingKeys } from './keys.js';
export { LeaseManager, isValid, type AcquireResult, type Lease, type LeaseManagerOptions } from './lease-manager.js';
export { MembershipRegistry, type MembershipOptions } from './membership.js';
export { AssignmentStore, type Assignment, type MemberAssignment } from './assignment-store.js';
export {
  DefaultShardManagerOptions,
  LEADER_LEASE,
  ShardManager,
  type OptionalShardManagerOptions,
  type Rebalanced,
  type RequiredShardManagerOptions,
  type ShardManagerOptions,
  type UnitSource,
} from './shard-manager.js';
export {
  DefaultShardMemberOptions,
  ShardMember,
  type OptionalShardMemberOptions,
  type RequiredShardMemberOptions,
  type ShardMemberOptions,
  type UnitHandler,
} from './shard-member.js';
