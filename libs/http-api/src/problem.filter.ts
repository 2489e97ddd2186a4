import { Catch, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem, PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';

export interface ProblemFilterOptions {
  /** The methods served at a path, so a known path with another method is 405, not 404. */
  allowedMethods(urlPath: string): string[];
  /** Called with every 5xx error (the client only learns that it was logged). */
  onServerError(error: unknown, request: FastifyRequest): void;
}

/**
 * Answers every error of the app — its own routes, Nest's, Fastify's body parsing and
 * unknown routes — with an RFC 9457 `application/problem+json` document.
 */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  constructor(private readonly options: ProblemFilterOptions) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    // A stream (SSE) that already started cannot turn into a problem document.
    if (reply.sent || reply.raw.headersSent) return;
    const problem = exception instanceof NotFoundException ? this.unmatched(request) : fromNest(exception) ?? toProblem(exception);
    if (problem.status >= 500) this.options.onServerError(exception, request);
    reply.code(problem.status).headers(problem.headers).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.toDocument()));
  }

  /** Nest throws NotFoundException only for a request no route matched. */
  private unmatched(request: FastifyRequest): HttpProblem {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = this.options.allowedMethods(path);
    const shown = path.length > 200 ? `${path.slice(0, 199)}…` : path;
    if (allowed.length > 0) {
      return new HttpProblem(405, `${request.method} is not allowed on ${shown}; use ${allowed.join(', ')}.`, { headers: { allow: allowed.join(', ') } });
    }
    return new HttpProblem(404, `No route matches ${request.method} ${shown}.`);
  }
}

/** A Nest HttpException thrown on purpose with a body of its own (e.g. /readyz's report). */
function fromNest(exception: unknown): HttpProblem | undefined {
  const nest = exception as { getStatus?: () => number; getResponse?: () => unknown; message?: string };
  if (typeof nest.getStatus !== 'function' || typeof nest.getResponse !== 'function') return undefined;
  const body = nest.getResponse();
  if (typeof body !== 'object' || body === null || 'statusCode' in body) return undefined;
  return new HttpProblem(nest.getStatus(), nest.message ?? 'Error', { extensions: body as Record<string, unknown> });
}
