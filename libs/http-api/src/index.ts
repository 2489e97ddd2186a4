export { PAGINATION_DEFAULTS, PageQuery, decodeCursor, encodeCursor, pageSchema, type CursorIdKind, type CursorPosition } from './cursor.js';
export { IDEMPOTENCY_KEY_PATTERN, IdempotencyStore, type IdempotencyOptions } from './idempotency.js';
export { buildOpenApiDocument, type OpenApiInfo } from './openapi.js';
export { ProblemExceptionFilter, type ProblemFilterOptions } from './problem.filter.js';
export { HttpProblem, PROBLEM_CONTENT_TYPE, toProblem, validationProblem, type FieldError, type ProblemDocument, type ProblemOptions } from './problem.js';
export { RequestRateLimiter, rateLimitHeaders, tightest, type RateLimitHit, type RateLimitRule, type RateLimitState } from './rate-limit.js';
export {
  RouteRegistry,
  type AnyRoute,
  type HandlerInput,
  type HttpMethod,
  type InstallOptions,
  type ResponseSpec,
  type RouteDefinition,
  type RouteResponse,
} from './route-registry.js';
