import { z } from 'zod';
import { csvList, databaseUrl, expecting, keyPrefix, logLevel, port, positiveInt, redisUrl } from '@parley/config';

/** A secret from the environment (a Kubernetes Secret): required, and long enough not to be guessed. */
function secret(minLength: number) {
  return expecting(z.string().min(minLength), `a secret of at least ${minLength} characters`);
}

const flag = (defaultValue: 'true' | 'false') => z.enum(['true', 'false']).default(defaultValue).transform((value) => value === 'true');

export const HubConfigSchema = z.object({
  REDIS_URL: redisUrl(),
  DATABASE_URL: databaseUrl(),
  /** HUB_PORT wins over PORT (the launcher and Kubernetes set PORT). */
  HUB_PORT: port().optional(),
  PORT: port(3002),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  PARLEY_EVENT_PARTITIONS: positiveInt(4),
  PARLEY_MIGRATE_ON_START: flag('true'),
  /** PostgreSQL connections per hub process (every read waits for one). */
  HUB_DB_POOL_MAX: positiveInt(10),
  /** The platform-admin bearer token: creates communities and may act on any of them. */
  HUB_ADMIN_TOKEN: secret(32),
  /** Signs the console's CSRF tokens. */
  HUB_COOKIE_SECRET: secret(32),
  /** Console cookies are `Secure` (HTTPS only); false only for plain-HTTP local runs. */
  HUB_COOKIE_SECURE: flag('true'),
  HUB_CONSOLE_SESSION_TTL_S: positiveInt(8 * 3600),
  /** Largest JSON request body, bytes; larger ones get 413. */
  HUB_BODY_LIMIT_BYTES: positiveInt(64 * 1024),
  /** Requests per API key (or admin token) per window. */
  HUB_RATE_LIMIT_PER_KEY: positiveInt(600),
  /** Requests per client IP per window, authenticated or not. */
  HUB_RATE_LIMIT_PER_IP: positiveInt(1200),
  HUB_RATE_LIMIT_WINDOW_MS: positiveInt(60_000),
  HUB_IDEMPOTENCY_TTL_S: positiveInt(24 * 3600),
  /** Hosts, addresses or CIDRs webhook modules may use although they are not public. */
  HUB_WEBHOOK_ALLOWLIST: csvList([]),
  /** Console sign-in attempts per client IP per window (HUB_RATE_LIMIT_WINDOW_MS). */
  HUB_LOGIN_RATE_LIMIT_PER_IP: positiveInt(20),
  /** Console sign-in attempts per key prefix per window, from any IP. */
  HUB_LOGIN_RATE_LIMIT_PER_KEY: positiveInt(10),
  /** Open live tails (SSE) per hub process. */
  HUB_MAX_TAILS: positiveInt(100),
  /** Nightbot's API for imports (a fake in tests). */
  HUB_IMPORT_NIGHTBOT_URL: z.url({ protocol: /^https?$/ }).default('https://api.nightbot.tv'),
  /** StreamElements' API for imports (a fake in tests). */
  HUB_IMPORT_STREAMELEMENTS_URL: z.url({ protocol: /^https?$/ }).default('https://api.streamelements.com/kappa/v2'),
  /** Open live tails per community per hub process. */
  HUB_MAX_TAILS_PER_COMMUNITY: positiveInt(10),
  /** Open live tails per API key (or the admin token) per hub process. */
  HUB_MAX_TAILS_PER_KEY: positiveInt(5),
  /** How long a verified key's credential is served from memory; bounds staleness if a revocation notice is lost. */
  HUB_KEY_CACHE_TTL_MS: positiveInt(10_000),
  /** How often keys' "last used" times are written, ms. */
  HUB_KEY_USE_FLUSH_MS: positiveInt(10_000),
  /** How long a read answer (commands) is served from memory; bounds staleness if a change notice is lost. 0 = no read cache. */
  HUB_READ_CACHE_TTL_MS: z.coerce.number().int().min(0).default(10_000),
  /** Trust X-Forwarded-For from this many proxy hops (the ingress) for the client IP; 0 = none. */
  HUB_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
});

export type HubConfig = z.infer<typeof HubConfigSchema>;
