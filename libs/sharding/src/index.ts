export {
  BoundedLoadPlacement,
  ConsistentHashPlacement,
  DefaultBoundedLoadOptions,
  DefaultConsistentHashOptions,
  loadsOf,
  movedUnits,
  ringPosition,
  type AssignableUnit,
  type BoundedLoadOptions,
  type ConsistentHashOptions,
  type Placement,
  type PlacementStrategy,
} from './placement.js';
