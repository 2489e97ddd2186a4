import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { deleteKeysWithPrefix, redisUrl, uniquePrefix } from '@parley/bus/testing';
import { loadConfig } from '@parley/config';
import { StreamKeys } from '@parley/contracts';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { createLogger } from '@parley/observability';
import { ServiceStartup, createRedisConnection } from '@parley/runtime';
import type { Redis } from 'ioredis';
import { HubConfigSchema, type HubConfig } from '../apps/hub/src/config.js';
import { HubModule, fastifyOptions } from '../apps/hub/src/hub.module.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
export const COOKIE_SECRET = 'cookie-secret-for-tests-0123456789abcdef';

export interface HubResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is (a string body), for content-type and size tests. */
  payload?: string;
  /** The client's address as the hub sees it (default 127.0.0.1). */
  remoteAddress?: string;
}

/** The hub in this process on its own database and key prefix, driven with Fastify's inject (no socket). */
export interface HubHarness {
  app: NestFastifyApplication;
  config: HubConfig;
  database: TestDatabase;
  redis: Redis;
  keys: StreamKeys;
  request<T = any>(method: string, url: string, options?: RequestOptions): Promise<HubResponse<T>>;
  /** Listens on a free local port (for streaming clients); resolves to the base URL. */
  listen(): Promise<string>;
  /** A community and a key of it with the given scopes (created through the API). */
  community(slug: string, scopes?: string[]): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
}

export async function startHub(env: Record<string, string> = {}): Promise<HubHarness> {
  const database = await createTestDatabase();
  const prefix = uniquePrefix('hub');
  const config = loadConfig(HubConfigSchema, {
    REDIS_URL: redisUrl(),
    DATABASE_URL: database.url,
    PARLEY_KEY_PREFIX: prefix,
    HUB_ADMIN_TOKEN: ADMIN_TOKEN,
    HUB_COOKIE_SECRET: COOKIE_SECRET,
    HUB_COOKIE_SECURE: 'false',
    PARLEY_MIGRATE_ON_START: 'false',
    ...env,
  });
  const logger = createLogger({ service: 'hub', level: process.env.HUB_TEST_LOG_LEVEL ?? 'silent' });
  // The database is migrated and answers: the start has nothing to wait for.
  const startup = new ServiceStartup(logger);
  const app = await NestFactory.create<NestFastifyApplication>(HubModule.forConfig(config, logger, startup), new FastifyAdapter(fastifyOptions(config)), {
    logger: false,
  });
  await app.init();
  await startup.run();
  await app.getHttpAdapter().getInstance().ready();
  const redis = createRedisConnection(config.REDIS_URL, logger);

  const request: HubHarness['request'] = async (method, url, options = {}) => {
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
    let payload = options.payload;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method: method as 'GET', url, headers, payload, ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}) });
    let body: any;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body, text: response.body };
  };

  return {
    app,
    config,
    database,
    redis,
    keys: new StreamKeys(prefix, config.PARLEY_EVENT_PARTITIONS),
    request,
    async listen() {
      await app.listen(0, '127.0.0.1');
      const address = app.getHttpServer().address() as { port: number };
      return `http://127.0.0.1:${address.port}`;
    },
    async community(slug, scopes = ['admin']) {
      const created = await request('POST', '/v1/communities', { body: { slug, name: slug } });
      if (created.status !== 201) throw new Error(`community ${slug}: ${created.status} ${created.text}`);
      const key = await request('POST', `/v1/communities/${created.body.id}/api-keys`, { body: { name: 'test', scopes } });
      if (key.status !== 201) throw new Error(`key for ${slug}: ${key.status} ${key.text}`);
      return { id: created.body.id, key: key.body.key };
    },
    async close() {
      await app.close();
      // A Redis Cluster here is the test's own, destroyed with its keys; the shared Redis is cleaned by prefix.
      if (!redis.isCluster) await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      await database.drop();
    },
  };
}

/** A live tail opened over HTTP. */
export interface OpenTail {
  status: number;
  body?: any;
  /** Resolves to Date.now() when the server ends the stream. */
  ended: Promise<number>;
  close(): void;
}

/** Opens `GET …/tail` on the hub at `url` (a refused one is returned with its status and problem). */
export async function openTail(url: string, communityId: string, token: string): Promise<OpenTail> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/communities/${communityId}/tail`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (response.status !== 200) return { status: response.status, body: await response.json(), ended: Promise.resolve(Date.now()), close: () => undefined };
  const reader = response.body!.getReader();
  const ended = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return Date.now();
    } catch {
      return Date.now();
    }
  })();
  return { status: 200, ended, close: () => controller.abort() };
}

/** When the stream ended, or Infinity if it is still open after `waitMs`. */
export function endedWithin(tail: OpenTail, waitMs: number): Promise<number> {
  return Promise.race([tail.ended, new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), waitMs))]);
}

/** A tiny browser: keeps cookies, sends forms. */
export class Browser {
  private cookies = new Map<string, string>();
  constructor(private readonly harness: HubHarness) {}

  async get(url: string) {
    return this.send('GET', url);
  }

  /** A field given as a list is sent once per item (ticked boxes, hidden companions). */
  async post(url: string, form: Record<string, string | string[]>) {
    const pairs = Object.entries(form).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, item]));
    return this.send('POST', url, new URLSearchParams(pairs).toString());
  }

  csrf(page: string): string {
    return /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
  }

  private async send(method: 'GET' | 'POST', url: string, payload?: string) {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await this.harness.app.inject({
      method,
      url,
      payload,
      headers: { ...(cookie ? { cookie } : {}), ...(payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    const setCookies = response.headers['set-cookie'];
    for (const line of Array.isArray(setCookies) ? setCookies : setCookies ? [setCookies] : []) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=') as [string, string];
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}
