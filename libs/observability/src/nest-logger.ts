import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

const STACK_LINE = /\n\s+at /;

/**
 * Nest's own logs (module wiring, routes, lifecycle, unhandled exceptions) through pino,
 * so a service writes one format only. Nest calls `log(message, context)` and
 * `error(message, stack, context)`; the context becomes a `context` field.
 */
export function createNestLogger(logger: Logger): LoggerService {
  const write = (level: Level, message: unknown, params: unknown[], withStack = false): void => {
    const rest = [...params];
    let context = rest.length > 0 && typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    // `error(message, stack)` without a context: the last string is the stack, not a context.
    if (context !== undefined && STACK_LINE.test(context)) {
      fields.stack = context;
      context = undefined;
    } else if (withStack && typeof rest[0] === 'string') {
      fields.stack = rest.shift();
    }
    if (context) fields.context = context;
    if (rest.length > 0) fields.params = rest;
    if (message instanceof Error) logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) logger[level]({ ...fields, ...(message as object) });
    else logger[level](fields, String(message));
  };
  return {
    log: (message, ...params) => write('info', message, params),
    error: (message, ...params) => write('error', message, params, true),
    warn: (message, ...params) => write('warn', message, params),
    debug: (message, ...params) => write('debug', message, params),
    verbose: (message, ...params) => write('trace', message, params),
    fatal: (message, ...params) => write('fatal', message, params),
  };
}
