/** The shard manager's units for a bot with `shardCount` gateway shards: `"<shard_id>/<num_shards>"`. */
export function gatewayShardUnits(shardCount: number): Array<{ id: string; name: string }> {
  return Array.from({ length: shardCount }, (_, shardId) => ({ id: `${shardId}/${shardCount}`, name: `gateway shard ${shardId} of ${shardCount}` }));
}
