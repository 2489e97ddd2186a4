import { authorize, type Authenticator, type Principal, type Scope } from '@parley/api-auth';
import { isUuid, type CommunityAdminRepository, type CommunityRepository } from '@parley/db';
import { HttpProblem, rateLimitHeaders, tightest, type AnyRoute, type RateLimitRule, type RateLimitState, type RequestRateLimiter } from '@parley/http-api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyUseRecorder } from './key-use.js';

/** Who may call a route: a community scope, the platform admin only, or anyone. */
export type Access = Scope | 'platform-admin' | 'public';

export interface RequestContext {
  /** null on public routes. */
  principal: Principal | null;
}

export type HubRoute = AnyRoute<Access, RequestContext>;

export interface GateDeps {
  authenticator: Pick<Authenticator, 'authenticate' | 'peek'>;
  limiter: RequestRateLimiter;
  keyRule: RateLimitRule;
  ipRule: RateLimitRule;
  keyUse: Pick<KeyUseRecorder, 'note'>;
  communities: Pick<CommunityAdminRepository, 'find'>;
  slugs: Pick<CommunityRepository, 'findBySlug'>;
  onRateLimited(rule: 'key' | 'ip'): void;
  onAuthFailure(reason: string): void;
}

const DETAILS = {
  missing: 'Send an API key as "Authorization: Bearer <key>".',
  invalid: 'The API key is not valid.',
  revoked: 'The API key has been revoked.',
} as const;

/**
 * Runs before every API route: rate limits (per client IP, then per key), authentication
 * and authorisation. A key never learns whether another community exists: its resources
 * are 404 exactly like a community that does not.
 */
export class ApiGate {
  constructor(private readonly deps: GateDeps) {}

  async context(route: HubRoute, request: FastifyRequest, reply: FastifyReply): Promise<RequestContext> {
    const { limiter, ipRule, keyRule } = this.deps;
    // A key whose credential is in memory costs no I/O to check, so both limits go to
    // Redis together (one round trip: one script call on a single Redis). Any other request is limited per IP before its key
    // is looked up, so guessing keys costs the guesser, not the database.
    if (route.access === 'public') {
      this.enforce([await limiter.hit(ipRule, request.ip)], reply, 'ip');
      return { principal: null };
    }
    const known = this.deps.authenticator.peek(request.headers.authorization);
    let principal: Principal;
    if (known?.ok) {
      principal = known.principal;
      const [ip, key] = (await limiter.hitAll([
        { rule: ipRule, subject: request.ip },
        { rule: keyRule, subject: principal.actor },
      ])) as [RateLimitState, RateLimitState];
      this.enforce([ip, key], reply, ip.allowed ? 'key' : 'ip');
    } else {
      const ip = await limiter.hit(ipRule, request.ip);
      this.enforce([ip], reply, 'ip');
      const result = known ?? (await this.deps.authenticator.authenticate(request.headers.authorization));
      if (!result.ok) {
        this.deps.onAuthFailure(result.reason);
        throw new HttpProblem(401, DETAILS[result.reason], { headers: { 'www-authenticate': 'Bearer realm="parley"' } });
      }
      principal = result.principal;
      this.enforce([ip, await limiter.hit(keyRule, principal.actor)], reply, 'key');
    }
    if (principal.kind === 'community') this.deps.keyUse.note(principal.keyId);

    const params = request.params as { communityId?: string };
    // What the caller wrote (an id or a slug): the only thing a 404 may repeat.
    const given = params.communityId;
    const communityId = given === undefined || isUuid(given) ? given : await this.idOfSlug(given);
    const verdict = authorize(principal, route.access, communityId);
    if (verdict === 'not-found') throw communityNotFound(given!);
    if (verdict === 'forbidden') {
      throw new HttpProblem(403, route.access === 'platform-admin' ? 'Only the platform admin may do this.' : `This API key lacks the "${route.access}" scope.`);
    }
    // The platform admin reaches any community id; one that does not exist is a 404 too.
    if (principal.kind === 'platform-admin' && communityId !== undefined && communityId === given && !(await this.deps.communities.find(communityId))) {
      throw communityNotFound(given);
    }
    // Handlers see the id, whichever the caller gave.
    if (communityId !== undefined) params.communityId = communityId;
    return { principal };
  }

  /** The id of the community with this slug; 404 when there is none. */
  private async idOfSlug(slug: string): Promise<string> {
    const community = SLUG.test(slug) ? await this.deps.slugs.findBySlug(slug) : null;
    if (!community) throw communityNotFound(slug);
    return community.id;
  }

  private enforce(limits: Parameters<typeof tightest>[0], reply: FastifyReply, rule: 'key' | 'ip'): void {
    const state = tightest(limits);
    reply.headers(rateLimitHeaders(state));
    if (!state.allowed) {
      this.deps.onRateLimited(rule);
      throw new HttpProblem(429, `Too many requests; retry in ${state.resetSeconds} s.`, { headers: rateLimitHeaders(state) });
    }
  }
}

const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The same answer for a community that does not exist and one the caller may not see. */
export function communityNotFound(communityId: string): HttpProblem {
  return new HttpProblem(
    404,
    `There is no community ${communityId.slice(0, 64)}. A community is named by its id or its slug; the platform admin lists them with GET /v1/communities.`,
  );
}

/** The actor recorded in the audit log: a key's public prefix or `platform-admin`, never a secret. */
export function actorOf(context: RequestContext): string {
  return context.principal?.actor ?? 'anonymous';
}
