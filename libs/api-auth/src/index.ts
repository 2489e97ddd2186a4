export { AccessChanges, type AccessChange, type AccessChangeHandlers } from './access-changes.js';
export {
  API_KEY_FORMAT,
  SCOPES,
  bearerToken,
  hashSecret,
  mintApiKey,
  parseApiKey,
  scopeAllows,
  secretMatches,
  type MintedApiKey,
  type ParsedApiKey,
  type Scope,
} from './api-key.js';
export { Authenticator, authorize, type ApiKeyLookup, type AuthFailure, type AuthResult, type AuthenticatorOptions, type Principal } from './authenticator.js';
export { CredentialCache, DefaultCredentialCacheOptions, type CredentialCacheOptions } from './credential-cache.js';
