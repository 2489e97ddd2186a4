import { STATUS_CODES } from 'node:http';

/** The media type of every error body (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document. `type` stays `about:blank`: the status and `detail` say it all. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

export interface ProblemOptions {
  /** Extension members (e.g. `errors` listing invalid fields). Never secrets or internals. */
  extensions?: Record<string, unknown>;
  /** Response headers that belong to the problem (`Retry-After`, `Allow`, …). */
  headers?: Record<string, string>;
}

/** Thrown anywhere in a request to answer with a problem document; `detail` is shown to the client. */
export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    readonly detail: string,
    options: ProblemOptions = {},
  ) {
    super(detail);
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  toDocument(): ProblemDocument {
    return { ...this.extensions, type: 'about:blank', title: STATUS_CODES[this.status] ?? 'Error', status: this.status, detail: this.detail };
  }
}

/** One field a request got wrong. `location` is body, query or path. */
export interface FieldError {
  location: 'body' | 'query' | 'path';
  /** Dotted path of the field (`aliases.2`), empty for the whole part. */
  field: string;
  message: string;
}

/** 400 naming every bad field, in `detail` (for people) and `errors` (for programs). */
export function validationProblem(errors: FieldError[]): HttpProblem {
  const listed = errors.map((error) => `${error.location}${error.field ? `.${error.field}` : ''}: ${error.message}`).join('; ');
  return new HttpProblem(400, `The request is invalid: ${listed}`, { extensions: { errors } });
}

const INTERNAL_DETAIL = 'The server failed to handle this request; the error has been logged.';

interface StatusCarrier {
  statusCode?: unknown;
  code?: unknown;
  message?: unknown;
  getStatus?: () => number;
  getResponse?: () => unknown;
  cause?: unknown;
}

/**
 * Any error as the problem to answer with. An `HttpProblem` is itself; a client error
 * raised by Fastify (413 body too large, 415, malformed JSON) or Nest (404 for an unknown
 * route) keeps its status and its fixed message; anything else is a 500 that reveals
 * nothing about the server (the caller logs the error).
 */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const carrier = (typeof error === 'object' && error !== null ? error : {}) as StatusCarrier;
  // Nest wraps Fastify's client errors in an HttpException whose cause is the original.
  if (carrier.cause instanceof HttpProblem) return carrier.cause;
  const status = typeof carrier.getStatus === 'function' ? carrier.getStatus() : carrier.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpProblem(status, clientDetail(status, carrier));
  }
  return new HttpProblem(500, INTERNAL_DETAIL);
}

function clientDetail(status: number, error: StatusCarrier): string {
  const cause = (error.cause ?? error) as StatusCarrier;
  switch (cause.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is larger than this route accepts.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Send the request body as application/json.';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request says its body is JSON but it is empty.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The request body is not valid JSON.';
  }
  if (status === 400 && cause instanceof SyntaxError) return 'The request body is not valid JSON.';
  return typeof error.message === 'string' && error.message !== '' ? error.message : (STATUS_CODES[status] ?? 'Client error');
}
