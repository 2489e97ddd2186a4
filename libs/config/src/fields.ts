import { z } from 'zod';

/**
 * What each field expects, in words an operator understands ("an integer between 1 and
 * 65535"). Kept in its own zod registry rather than `.describe()` so an app's own
 * descriptions stay untouched; `loadConfig` reads it to build its error line.
 */
export const expectsRegistry = z.registry<{ expects: string }>();

/** Attaches the "what it expects" text that `loadConfig` prints for a bad value. */
export function expecting<S extends z.ZodType>(schema: S, expects: string): S {
  // Registered on the very instance returned, so wrapping it afterwards (`.optional()`)
  // hides the text: call this last.
  expectsRegistry.add(schema as z.ZodType, { expects });
  return schema;
}

/** The defaults the field builders use, in one place. */
export const CONFIG_DEFAULTS = {
  logLevel: 'info',
  keyPrefix: 'parley',
} as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Kubernetes manifests and .env files often carry `NAME=` for "not set"; for a field with
 * a default, an empty string means "use the default", not "invalid".
 */
function emptyAsUnset(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

function urlWithProtocol(protocols: readonly string[]) {
  return (value: string): boolean => {
    try {
      const url = new URL(value);
      return protocols.includes(url.protocol) && url.hostname !== '';
    } catch {
      return false;
    }
  };
}

function integer(min: number, max: number, defaultValue: number | undefined, expects: string) {
  const base = z.coerce.number().int().min(min).max(max);
  const field = defaultValue === undefined ? base : base.default(defaultValue);
  return expecting(z.preprocess(emptyAsUnset, field), expects);
}

/**
 * `REDIS_URL`: required unless a default is given; `redis://` or `rediss://` (TLS) for one
 * Redis (or a Sentinel-fronted address), `redis+cluster://` or `rediss+cluster://` with a
 * comma-separated list of seed nodes (`host:port,host:port`) for Redis Cluster.
 */
export function redisUrl(defaultValue?: string) {
  const base = z.string().refine((value) => urlWithProtocol(['redis:', 'rediss:'])(value) || isClusterUrl(value));
  return expecting(
    defaultValue === undefined ? base : z.preprocess(emptyAsUnset, base.default(defaultValue)),
    'a redis:// or rediss:// URL, or redis+cluster://host:port,host:port',
  );
}

const CLUSTER_URL = /^rediss?\+cluster:\/\/(?:[^@/]*@)?((?:[^,:/@]+:\d{1,5})(?:,[^,:/@]+:\d{1,5})*)\/?$/;

/** `redis+cluster://[user:password@]host:port,host:port`: at least one seed node, each with its port. */
function isClusterUrl(value: string): boolean {
  const match = CLUSTER_URL.exec(value);
  return match !== null && match[1]!.split(',').every((node) => Number(node.split(':')[1]) >= 1 && Number(node.split(':')[1]) <= 65_535);
}

/** `DATABASE_URL`: required unless a default is given; `postgres://` or `postgresql://`. */
export function databaseUrl(defaultValue?: string) {
  const base = z.string().refine(urlWithProtocol(['postgres:', 'postgresql:']));
  return expecting(
    defaultValue === undefined ? base : z.preprocess(emptyAsUnset, base.default(defaultValue)),
    'a postgres:// or postgresql:// URL',
  );
}

/** A TCP port to listen on. */
export function port(defaultValue?: number) {
  return integer(1, 65_535, defaultValue, 'an integer between 1 and 65535');
}

/** A count, size or duration that must be at least 1. */
export function positiveInt(defaultValue?: number) {
  return integer(1, Number.MAX_SAFE_INTEGER, defaultValue, 'a positive integer');
}

/** A pino level; `info` by default. */
export function logLevel(defaultValue: LogLevel = CONFIG_DEFAULTS.logLevel) {
  return expecting(z.preprocess(emptyAsUnset, z.enum(LOG_LEVELS).default(defaultValue)), `one of ${LOG_LEVELS.join(', ')}`);
}

/**
 * The prefix of every Redis key and stream a deployment owns, so several deployments
 * (or test runs) share one Redis without touching each other's keys.
 */
export function keyPrefix(defaultValue: string = CONFIG_DEFAULTS.keyPrefix) {
  return expecting(
    z.preprocess(emptyAsUnset, z.string().regex(/^[a-z0-9:_-]+$/).max(64).default(defaultValue)),
    'lowercase letters, digits, ":", "_" or "-" (at most 64)',
  );
}

/**
 * A comma-separated list (`a, b,c` → `['a', 'b', 'c']`), blanks dropped. Without a default
 * the variable is required and must name at least one item.
 */
export function csvList(defaultValue?: readonly string[]) {
  const list = z.string().transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );
  if (defaultValue === undefined) {
    return expecting(list.pipe(z.array(z.string()).min(1)), 'a comma-separated list of at least one item');
  }
  return expecting(z.preprocess(emptyAsUnset, list.default([...defaultValue])), 'a comma-separated list');
}

/**
 * A setting that holds JSON, validated by `schema`. Such settings often carry tokens, so a
 * text that is not JSON is reported as "JSON" and never echoed.
 */
export function jsonSetting<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
