import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { HttpProblem } from './problem.js';
import type { RouteResponse } from './route-registry.js';

export interface IdempotencyOptions {
  /** Namespace of the Redis keys. */
  keyPrefix: string;
  /** How long a stored response is replayed, ms. */
  ttlMs: number;
  /** How long a claim lives without a response (the first request crashed), ms. */
  pendingTtlMs: number;
}

export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const CLAIM = 'parleyClaimIdempotencyKey';
const claimLua = readFileSync(new URL('./claimIdempotencyKey-1.lua', import.meta.url), 'utf8');
type ScriptedRedis = Redis & { [CLAIM](key: string, fingerprint: string, pendingTtlMs: number): Promise<[string, string?]> };

/**
 * `Idempotency-Key` for POST (draft-ietf-httpapi-idempotency-key-header): the first
 * request with a key runs and its response is stored; a retry with the same key and the
 * same request gets that response again; the same key with another request is a 422; a
 * retry while the first still runs is a 409. Keys are scoped by the caller (`owner`), so
 * two API keys can never see each other's responses. 5xx answers are not stored: the
 * client may retry those.
 */
export class IdempotencyStore {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly options: IdempotencyOptions,
  ) {
    redis.defineCommand(CLAIM, { numberOfKeys: 1, lua: claimLua });
    this.redis = redis as ScriptedRedis;
  }

  async run(owner: string, idempotencyKey: string, request: { method: string; path: string; body: unknown }, execute: () => Promise<RouteResponse | undefined>): Promise<RouteResponse | undefined> {
    if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      throw new HttpProblem(400, 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.');
    }
    const key = `${this.options.keyPrefix}:${sha256(owner)}:${sha256(idempotencyKey)}`;
    const fingerprint = sha256(canonicalJson([request.method, request.path, request.body ?? null]));
    const [state, stored] = await this.redis[CLAIM](key, fingerprint, this.options.pendingTtlMs);
    if (state === 'mismatch') {
      throw new HttpProblem(422, 'This Idempotency-Key was already used for a different request; use a new key for a new request.');
    }
    if (state === 'pending') {
      throw new HttpProblem(409, 'A request with this Idempotency-Key is still being processed; retry later.', { headers: { 'retry-after': '1' } });
    }
    if (state === 'replay') {
      const response = JSON.parse(stored!) as RouteResponse;
      return { ...response, headers: { ...response.headers, 'idempotent-replayed': 'true' } };
    }
    let response: RouteResponse | undefined;
    try {
      response = await execute();
    } catch (error) {
      // A client error is the answer to this request, and is stored like any other.
      if (error instanceof HttpProblem && error.status < 500) {
        await this.store(key, { status: error.status, body: error.toDocument(), headers: { 'content-type': 'application/problem+json', ...error.headers } });
      } else {
        await this.redis.del(key);
      }
      throw error;
    }
    if (response && response.status < 500) await this.store(key, response);
    else await this.redis.del(key);
    return response;
  }

  private async store(key: string, response: RouteResponse): Promise<void> {
    await this.redis.multi().hset(key, 'response', JSON.stringify(response)).pexpire(key, this.options.ttlMs).exec();
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level: the same request body in any field order is the same request. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
