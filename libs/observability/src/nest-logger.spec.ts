import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createNestLogger } from './nest-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'test', level: 'trace', destination }) };
}

describe('createNestLogger', () => {
  it('maps Nest levels and contexts onto pino', () => {
    const { lines, logger } = capture();
    const nest = createNestLogger(logger);
    nest.log('Mapped {/readyz, GET} route', 'RouterExplorer');
    nest.warn('careful');
    nest.debug?.('details', 'Debugging');
    nest.verbose?.('very detailed');
    nest.error('boom', 'Error: boom\n    at somewhere', 'ExceptionsHandler');
    nest.fatal?.('dying', 'Main');
    expect(lines.map(({ level, msg, context }) => ({ level, msg, context }))).toEqual([
      { level: 'info', msg: 'Mapped {/readyz, GET} route', context: 'RouterExplorer' },
      { level: 'warn', msg: 'careful', context: undefined },
      { level: 'debug', msg: 'details', context: 'Debugging' },
      { level: 'trace', msg: 'very detailed', context: undefined },
      { level: 'error', msg: 'boom', context: 'ExceptionsHandler' },
      { level: 'fatal', msg: 'dying', context: 'Main' },
    ]);
    expect(lines[4]!.stack).toBe('Error: boom\n    at somewhere');
  });

  it('tells a stack from a context when error() gets only one of them', () => {
    const { lines, logger } = capture();
    const nest = createNestLogger(logger);
    nest.error('failed', 'Error: failed\n    at handler (file.js:1:1)');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'failed', stack: 'Error: failed\n    at handler (file.js:1:1)' });
    expect(lines[0]).not.toHaveProperty('context');
  });

  it('keeps errors and objects as structured fields', () => {
    const { lines, logger } = capture();
    const nest = createNestLogger(logger);
    nest.error(new Error('kaput'), 'Bootstrap');
    nest.log({ port: 3000, msg: 'listening' }, 'Main');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'kaput', context: 'Bootstrap', err: { type: 'Error', message: 'kaput' } });
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'listening', port: 3000, context: 'Main' });
  });
});
