import { randomBytes } from 'node:crypto';
import { authorize, parseApiKey, type Authenticator, type Principal } from '@parley/api-auth';
import type { StreamKeys } from '@parley/contracts';
import { HttpProblem, rateLimitHeaders, tightest, toProblem, type AnyRoute, type RateLimitRule, type RequestRateLimiter, type RouteRegistry } from '@parley/http-api';
import { doubleCsrf } from 'csrf-csrf';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Access, RequestContext } from '../api/access.js';
import { dbProblem } from '../api/db-problems.js';
import { commandBody, commandForm, one, type CommandView, type Form } from './command-form.js';
import { html, type SafeHtml } from './html.js';

export interface ConsoleOptions {
  cookieSecret: string;
  cookieSecure: boolean;
  sessionTtlSeconds: number;
}

/** Sign-in attempts are limited per client IP and per key prefix (from any IP), like the API. */
export interface LoginLimits {
  limiter: RequestRateLimiter;
  ipRule: RateLimitRule;
  keyRule: RateLimitRule;
  onRateLimited(rule: 'login-ip' | 'login-key'): void;
}

export interface ConsoleDeps {
  routes: RouteRegistry<Access, RequestContext>;
  authenticator: Authenticator;
  loginLimits: LoginLimits;
  redis: Redis;
  keys: StreamKeys;
}

/** No script, no style, no frames, forms only to this origin: the console is plain HTML. */
const CONSOLE_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const SESSION_COOKIE = 'parley_console';
const ADMIN_TOKEN_REFUSED =
  'That is the platform-admin token. The console works inside one community: sign in with an API key of that community (the platform admin creates one with POST /v1/communities/{id or slug}/api-keys).';

/**
 * A few server-rendered pages to sign in with an API key and edit commands. The key is
 * checked once and never kept: the cookie holds a random session id, the session (in
 * Redis) holds the principal, and the key's revocation ends the session. Every POST
 * carries a csrf-csrf double-submit token bound to the session. Changes go through the
 * API's own route handlers, so validation, audit and change notices are the same.
 */
export function installConsole(fastify: FastifyInstance, options: ConsoleOptions, deps: ConsoleDeps): void {
  const sessionKey = (id: string) => deps.keys.key('hub', 'console', id);
  const cookieOptions = { path: '/console', httpOnly: true, sameSite: 'strict' as const, secure: options.cookieSecure };
  const { generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => options.cookieSecret,
    getSessionIdentifier: (request) => (request as unknown as FastifyRequest).cookies[SESSION_COOKIE] ?? '',
    // __Host- cookies must be Secure; a plain-HTTP local run uses a plain name.
    cookieName: options.cookieSecure ? '__Host-parley-csrf' : 'parley-csrf',
    cookieOptions: { sameSite: 'strict', path: '/', secure: options.cookieSecure, httpOnly: true },
    getCsrfTokenFromRequest: (request) => one(((request as unknown as FastifyRequest).body as Form | undefined)?._csrf),
  });
  const byId = new Map(deps.routes.routes().map((route) => [route.operationId, route]));

  const csrfToken = (request: FastifyRequest, reply: FastifyReply) =>
    generateCsrfToken(request as never, { cookie: (name: string, value: string, opts: object) => reply.setCookie(name, value, opts) } as never, { overwrite: true });

  const page = (reply: FastifyReply, title: string, body: SafeHtml, status = 200) =>
    reply
      .code(status)
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(
        html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} · Parley</title></head><body><h1>${title}</h1>${body}</body></html>`.value,
      );

  const session = async (request: FastifyRequest): Promise<Principal | null> => {
    const id = request.cookies[SESSION_COOKIE];
    if (!id) return null;
    const stored = await deps.redis.get(sessionKey(id));
    return stored ? (JSON.parse(stored) as Principal) : null;
  };

  const requireCsrf = (request: FastifyRequest) => {
    if (!validateRequest(request as never)) throw new HttpProblem(403, 'The form is missing its CSRF token or it does not match; reload the page and try again.');
  };

  /** Runs an API route for the signed-in principal; a client error comes back as a message for the page. */
  const invoke = async (principal: Principal, operationId: string, params: Record<string, string>, body?: unknown, query: Form = {}): Promise<{ body?: any; error?: string }> => {
    const route = byId.get(operationId) as AnyRoute<Access, RequestContext>;
    if (route.access !== 'public' && authorize(principal, route.access, params.communityId) !== 'ok') return { error: `This key may not ${route.summary.toLowerCase()}.` };
    const parsed = route.body?.safeParse(body);
    if (parsed && !parsed.success) return { error: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') };
    try {
      const result = await route.handler({ params, query: route.query?.parse(query), body: parsed?.data, context: { principal }, request: undefined as never, reply: undefined as never });
      return { body: result?.json !== undefined ? JSON.parse(result.json) : result?.body };
    } catch (error) {
      const problem = toProblem(dbProblem(error));
      if (problem.status >= 500) throw error;
      return { error: problem.detail };
    }
  };

  const signIn = (reply: FastifyReply, request: FastifyRequest, message?: string, status = 200) =>
    page(
      reply,
      'Sign in',
      html`${message ? html`<p role="alert">${message}</p>` : ''}
        <form method="post" action="/console/login">
          <input type="hidden" name="_csrf" value="${csrfToken(request, reply)}">
          <label>API key <input type="password" name="apiKey" autocomplete="off" required></label>
          <button type="submit">Sign in</button>
        </form>`,
      status,
    );

  fastify.get('/console', async (request, reply) => ((await session(request)) ? reply.redirect('/console/commands', 303) : signIn(reply, request)));

  /** Counts the attempt; answers 429 (with the sign-in form) when a limit is used up. */
  const loginAllowed = async (request: FastifyRequest, reply: FastifyReply, apiKey: string): Promise<boolean> => {
    const { limiter, ipRule, keyRule } = deps.loginLimits;
    const prefix = parseApiKey(apiKey)?.prefix;
    const [ip, key] = await Promise.all([limiter.hit(ipRule, request.ip), prefix ? limiter.hit(keyRule, prefix) : undefined]);
    const state = tightest(key ? [ip, key] : [ip]);
    reply.headers(rateLimitHeaders(state));
    if (state.allowed) return true;
    deps.loginLimits.onRateLimited(ip.allowed ? 'login-key' : 'login-ip');
    return false;
  };

  fastify.post('/console/login', async (request, reply) => {
    requireCsrf(request);
    const apiKey = one((request.body as Form | undefined)?.apiKey);
    if (!(await loginAllowed(request, reply, apiKey))) {
      return signIn(reply, request, `Too many sign-in attempts; try again in ${String(reply.getHeader('retry-after'))} s.`, 429);
    }
    const result = await deps.authenticator.authenticate(`Bearer ${apiKey}`);
    if (result.ok && result.principal.kind === 'platform-admin') return signIn(reply, request, ADMIN_TOKEN_REFUSED, 401);
    if (!result.ok) return signIn(reply, request, 'That API key does not work here.', 401);
    const id = randomBytes(32).toString('base64url');
    await deps.redis.set(sessionKey(id), JSON.stringify(result.principal), 'EX', options.sessionTtlSeconds);
    reply.setCookie(SESSION_COOKIE, id, { ...cookieOptions, maxAge: options.sessionTtlSeconds });
    return reply.redirect('/console/commands', 303);
  });

  fastify.post('/console/logout', async (request, reply) => {
    requireCsrf(request);
    const id = request.cookies[SESSION_COOKIE];
    if (id) await deps.redis.del(sessionKey(id));
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return reply.redirect('/console', 303);
  });

  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<(Principal & { kind: 'community' }) | null> => {
    const principal = await session(request);
    if (principal?.kind !== 'community') {
      reply.redirect('/console', 303);
      return null;
    }
    // A revoked key ends its sessions at once.
    if (!(await deps.authenticator.isCurrent(principal))) {
      reply.redirect('/console', 303);
      return null;
    }
    return principal;
  };

  /** The community's name, channels and modules: what the pages show and the forms offer. */
  const surroundings = async (principal: Principal & { kind: 'community' }) => {
    const params = { communityId: principal.communityId };
    const [community, channels, modules] = await Promise.all([
      invoke(principal, 'get-community', params),
      invoke(principal, 'list-channels', params, undefined, { limit: '200' }),
      invoke(principal, 'list-webhook-modules', params, undefined, { limit: '200' }),
    ]);
    return {
      community: community.body as { name: string; slug: string },
      channels: (channels.body?.items ?? []) as Array<{ id: string; name: string; platform: string }>,
      modules: (modules.body?.items ?? []) as Array<{ id: string; name: string }>,
    };
  };

  const commandsPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal & { kind: 'community' }, message?: string, status = 200) => {
    // The console shows up to one page of the largest size; the API pages beyond that.
    const [listed, around] = await Promise.all([invoke(principal, 'list-commands', { communityId: principal.communityId }, undefined, { limit: '200' }), surroundings(principal)]);
    const token = csrfToken(request, reply);
    const commands = (listed.body?.items ?? []) as CommandView[];
    const cooldowns = (command: CommandView) => `${command.globalCooldownSeconds} s / ${command.userCooldownSeconds} s${command.moderatorsBypassCooldown ? ' (moderators skip)' : ''}`;
    return page(
      reply,
      `Commands of ${around.community.name}`,
      html`<p>Community ${around.community.name} (${around.community.slug}), signed in as key ${principal.actor}.</p>
        ${message ? html`<p role="alert">${message}</p>` : ''}
        <table><thead><tr><th>Name</th><th>Aliases</th><th>Response</th><th>Role</th><th>Cooldowns (everyone / per viewer)</th><th>Platforms</th><th>Enabled</th></tr></thead><tbody>
        ${commands.map(
          (command) =>
            html`<tr><td><a href="/console/commands/${encodeURIComponent(command.name)}">${command.name}</a></td><td>${command.aliases.join(', ')}</td><td>${command.moduleId ? html`<i>webhook module</i>` : command.response}</td><td>${command.minRole}</td><td>${cooldowns(command)}</td><td>${command.platforms?.join(', ') ?? 'all'}</td><td>${command.enabled ? 'yes' : 'no'}</td></tr>`,
        )}
        </tbody></table>
        <h2>New command</h2>
        ${commandForm(token, '/console/commands', null, around)}
        <form method="post" action="/console/logout"><input type="hidden" name="_csrf" value="${token}"><button type="submit">Sign out</button></form>`,
      status,
    );
  };

  fastify.get('/console/commands', async (request, reply) => {
    const principal = await signedIn(request, reply);
    return principal ? commandsPage(request, reply, principal) : reply;
  });

  fastify.post('/console/commands', async (request, reply) => {
    const principal = await signedIn(request, reply);
    if (!principal) return reply;
    requireCsrf(request);
    const form = (request.body ?? {}) as Form;
    const created = await invoke(principal, 'create-command', { communityId: principal.communityId }, { name: one(form.name), ...commandBody(form) });
    return created.error ? commandsPage(request, reply, principal, created.error, 422) : reply.redirect('/console/commands', 303);
  });

  fastify.get<{ Params: { name: string } }>('/console/commands/:name', async (request, reply) => {
    const principal = await signedIn(request, reply);
    if (!principal) return reply;
    const found = await invoke(principal, 'get-command', { communityId: principal.communityId, name: request.params.name });
    if (found.error) return page(reply, 'Not found', html`<p>${found.error}</p><p><a href="/console/commands">Back</a></p>`, 404);
    const command = found.body as CommandView;
    const token = csrfToken(request, reply);
    const action = `/console/commands/${encodeURIComponent(command.name)}`;
    const around = await surroundings(principal);
    return page(
      reply,
      `Edit ${command.name}`,
      html`<p>Community ${around.community.name} (${around.community.slug}).</p>
        ${commandForm(token, action, command, around)}
        <form method="post" action="${action}/delete"><input type="hidden" name="_csrf" value="${token}"><button type="submit">Delete</button></form>
        <p><a href="/console/commands">Back</a></p>`,
    );
  });

  fastify.post<{ Params: { name: string } }>('/console/commands/:name', async (request, reply) => {
    const principal = await signedIn(request, reply);
    if (!principal) return reply;
    requireCsrf(request);
    const form = (request.body ?? {}) as Form;
    const updated = await invoke(principal, 'update-command', { communityId: principal.communityId, name: request.params.name }, commandBody(form));
    return updated.error ? commandsPage(request, reply, principal, updated.error, 422) : reply.redirect('/console/commands', 303);
  });

  fastify.post<{ Params: { name: string } }>('/console/commands/:name/delete', async (request, reply) => {
    const principal = await signedIn(request, reply);
    if (!principal) return reply;
    requireCsrf(request);
    const deleted = await invoke(principal, 'delete-command', { communityId: principal.communityId, name: request.params.name });
    return deleted.error ? commandsPage(request, reply, principal, deleted.error, 422) : reply.redirect('/console/commands', 303);
  });
}
