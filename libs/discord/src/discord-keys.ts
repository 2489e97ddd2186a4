/** Every Redis key the Discord ingest writes, in one place. */
export class DiscordKeys {
  constructor(private readonly prefix: string) {}

  /** A gateway shard's resumable session (`SessionInfo` as JSON), shared by every pod. */
  session(shardId: number, shardCount: number): string {
    return `${this.prefix}:discord:session:${shardCount}:${shardId}`;
  }

  /** One identify bucket's 5 s window (`shard_id % max_concurrency`), across every pod. */
  identifyBucket(bucket: number, maxConcurrency: number): string {
    return `${this.prefix}:discord:identify:${maxConcurrency}:${bucket}`;
  }
}
