import { hostname } from 'node:os';
import { z } from 'zod';
import { positiveInt } from '@parley/config';

/**
 * The configuration every ingest app shares (its pool membership, the actions consumer, the
 * delivery protocol), as zod fields to spread into the app's schema: one definition, so
 * every platform's `INGEST_*` variables mean the same (apps/ingest-twitch/README.md lists them).
 */
export function ingestPodFields() {
  return {
    INGEST_CONSUMER_NAME: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
    /** This pod's id in the shard manager's pool (sharded mode): unique per process. */
    INGEST_MEMBER_ID: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
    /** Must match the shard manager's SHARD_MEMBER_TTL_MS. */
    INGEST_MEMBER_TTL_MS: positiveInt(10_000),
    /** A killed pod's channels are taken elsewhere this long (plus a rebalance) after it died. */
    INGEST_CHANNEL_LEASE_TTL_MS: positiveInt(10_000),
    INGEST_ASSIGNMENT_POLL_MS: positiveInt(1_000),
    /** make-before-break: the next pod joins first, the overlap's duplicates are dropped by event id (ADR 0005). */
    INGEST_HANDOVER: z.enum(['break-before-make', 'make-before-break']).default('make-before-break'),
    INGEST_CLAIM_IDLE_MS: positiveInt(30_000),
    /** Actions read per XREADGROUP: small, a connection sends one at a time and a crash strands what was read ahead. */
    INGEST_BATCH_SIZE: positiveInt(10),
    /** A pod silent this long is dead: the actions pending on it are taken over at once. */
    INGEST_CONSUMER_TTL_MS: positiveInt(3_000),
    INGEST_MAX_ACTION_AGE_MS: positiveInt(60_000),
    /** How long the platform has to confirm a send before its outcome is unknown. */
    INGEST_CONFIRM_TIMEOUT_MS: positiveInt(10_000),
    /** An action found "being sent" after a crash, or never confirmed: drop = at most once (counted), resend = at least once. */
    INGEST_ON_AMBIGUOUS: z.enum(['drop', 'resend']).default('drop'),
  };
}

/** The parsed `INGEST_*` settings. */
export type IngestPodConfig = z.infer<z.ZodObject<ReturnType<typeof ingestPodFields>>>;
