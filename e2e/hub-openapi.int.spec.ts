import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type HubHarness } from './hub-support.js';

let hub: HubHarness;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub?.close());

/** Every method+path Fastify serves under /v1, read back from its own route tree. */
function registeredV1Routes(fastify: FastifyInstance): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('');
    if (!path.startsWith('/v1')) continue;
    for (const method of match[3]!.split(', ')) if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
  }
  return routes.sort();
}

describe('OpenAPI', () => {
  it('serves a valid OpenAPI 3 document without authentication', async () => {
    const response = await hub.request('GET', '/openapi.json', { token: null });
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    const validated = await SwaggerParser.validate(structuredClone(response.body));
    expect(validated.info.title).toBe('Parley hub');
  });

  it('lists exactly the routes Fastify serves under /v1', async () => {
    const document = (await hub.request('GET', '/openapi.json', { token: null })).body;
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .filter((route) => route.includes(' /v1'))
      .sort();
    const registered = registeredV1Routes(hub.app.getHttpAdapter().getInstance());
    expect(registered.length).toBeGreaterThan(40);
    expect(documented).toEqual(registered);
  });

  it('documents request bodies strictly, with the bearer scheme and problem responses', async () => {
    const document = (await hub.request('GET', '/openapi.json', { token: null })).body;
    const create = document.paths['/v1/communities/{communityId}/commands'].post;
    expect(create.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(create.responses.default.content['application/problem+json']).toBeDefined();
    expect(create.parameters).toEqual([expect.objectContaining({ name: 'communityId', in: 'path', required: true })]);
  });

  it('serves interactive docs at /docs under a CSP that allows no inline or foreign script', async () => {
    const page = await hub.request('GET', '/docs/', { token: null });
    const html = page.status === 302 ? await hub.request('GET', String(page.headers.location), { token: null }) : page;
    expect(html.status).toBe(200);
    expect(html.text).toContain('swagger');
    const csp = String(html.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const json = await hub.request('GET', '/docs/json', { token: null });
    expect(json.body.paths['/v1/communities']).toBeDefined();
  });
});
