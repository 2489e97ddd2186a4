import type { ApiKeyCredential } from '@parley/db';
import { bearerToken, hashSecret, parseApiKey, scopeAllows, secretMatches, type Scope } from './api-key.js';

/** Who made a request. */
export type Principal =
  | { kind: 'platform-admin'; actor: 'platform-admin' }
  | { kind: 'community'; actor: string; keyId: string; communityId: string; scopes: Scope[] };

/** Why a request is not authenticated: missing/malformed header, or a key that is unknown, wrong or revoked. */
export type AuthFailure = 'missing' | 'invalid' | 'revoked';

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure };

export interface ApiKeyLookup {
  findCredential(prefix: string): Promise<ApiKeyCredential | null>;
  /** The credential when it is at hand without I/O (a cache); undefined when it must be looked up. */
  peekCredential?(prefix: string): ApiKeyCredential | undefined;
}

export interface AuthenticatorOptions {
  /** The platform-admin key (HUB_ADMIN_KEY). */
  adminKey: string;
  keys: ApiKeyLookup;
}

/**
 * Turns an `Authorization` header into a principal. Unknown prefix, wrong secret and
 * malformed key are one answer ("invalid"), so the response tells an attacker nothing
 * about which prefixes exist; a revoked key says so (its owner needs to know).
 */
export class Authenticator {
  /** Hashed once: each request's token is hashed and compared with it in constant time (so neither its length nor the first differing byte shows). */
  private readonly adminKeyHash: Buffer;
  private readonly adminKeyIsKeyShaped: boolean;

  constructor(private readonly options: AuthenticatorOptions) {
    this.adminKeyHash = hashSecret(options.adminKey);
    this.adminKeyIsKeyShaped = parseApiKey(options.adminKey) !== null;
  }

  async authenticate(authorization: string | undefined): Promise<AuthResult> {
    const token = bearerToken(authorization);
    const known = this.decide(token, undefined);
    if (known) return known;
    const parsed = parseApiKey(token!)!;
    return this.judge(parsed.secret, await this.options.keys.findCredential(parsed.prefix));
  }

  /**
   * The answer `authenticate` would give, when it needs no I/O: a missing or malformed
   * header, the platform-admin token, or a key whose credential the lookup holds in
   * memory. Undefined when the key must be looked up.
   */
  peek(authorization: string | undefined): AuthResult | undefined {
    return this.decide(bearerToken(authorization), this.options.keys.peekCredential);
  }

  private decide(token: string | null, peek: ApiKeyLookup['peekCredential']): AuthResult | undefined {
    if (token === null) return { ok: false, reason: 'missing' };
    const parsed = parseApiKey(token);
    // A token shaped like an API key can only be the admin token if that is shaped like one
    // too: otherwise the comparison (a hash per request) is skipped. The shape is no secret.
    if ((!parsed || this.adminKeyIsKeyShaped) && secretMatches(token, this.adminKeyHash)) return { ok: true, principal: { kind: 'platform-admin', actor: 'platform-admin' } };
    if (!parsed) return { ok: false, reason: 'invalid' };
    const credential = peek?.call(this.options.keys, parsed.prefix);
    return credential ? this.judge(parsed.secret, credential) : undefined;
  }

  private judge(secret: string, credential: ApiKeyCredential | null): AuthResult {
    if (!credential || !secretMatches(secret, credential.secretHash)) return { ok: false, reason: 'invalid' };
    if (credential.revokedAt !== null) return { ok: false, reason: 'revoked' };
    return {
      ok: true,
      principal: { kind: 'community', actor: credential.prefix, keyId: credential.id, communityId: credential.communityId, scopes: credential.scopes },
    };
  }

  /** Whether a principal authenticated earlier (a console session) still holds: its key exists and is not revoked. */
  async isCurrent(principal: Principal): Promise<boolean> {
    if (principal.kind === 'platform-admin') return true;
    const credential = await this.options.keys.findCredential(principal.actor);
    return credential !== null && credential.id === principal.keyId && credential.revokedAt === null;
  }
}

/** Whether the principal may use a route needing `scope` on `communityId` (undefined: a platform route). */
export function authorize(principal: Principal, scope: Scope | 'platform-admin', communityId: string | undefined): 'ok' | 'forbidden' | 'not-found' {
  if (principal.kind === 'platform-admin') return 'ok';
  // Another community's resources do not exist for this key: 404, never 403 — even on
  // routes only the platform admin may use.
  if (communityId !== undefined && communityId !== principal.communityId) return 'not-found';
  if (scope === 'platform-admin') return 'forbidden';
  return scopeAllows(principal.scopes, scope) ? 'ok' : 'forbidden';
}
