export { AllowList, classifyAddress, isIpLiteral, type AddressVerdict } from './address-policy.js';
export { DefaultUrlGuardOptions, UnsafeUrlError, WebhookUrlGuard, type Lookup, type UrlGuardOptions } from './url-guard.js';
export { guardedLookup, type ConnectLookup, type Resolver } from './guarded-lookup.js';
