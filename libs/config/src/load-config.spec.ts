import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { csvList, databaseUrl, expecting, jsonSetting, keyPrefix, logLevel, port, positiveInt, redisUrl } from './fields.js';
import { EXIT_CONFIG, configOrExit, loadConfig } from './load-config.js';

const Schema = z.object({
  REDIS_URL: redisUrl(),
  DATABASE_URL: databaseUrl(),
  PORT: port(3000),
  LOG_LEVEL: logLevel(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  BATCH_SIZE: positiveInt(100),
  CHANNELS: csvList(),
  KNOWN_BOTS: csvList(['nightbot']),
  API_TOKEN: z.string().min(1, 'the API token'),
});

const valid = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  DATABASE_URL: 'postgres://parley:pw@db:5432/parley',
  CHANNELS: 'a, b,,c ',
  API_TOKEN: 'x',
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads a JSON setting through its schema, and never echoes a text that is not JSON', () => {
    const Tokens = z.object({ TOKENS: expecting(jsonSetting(z.record(z.string(), z.string())), 'JSON: {"team": "token"}') });
    expect(loadConfig(Tokens, { TOKENS: '{"T1":"xoxb-1"}' })).toEqual({ TOKENS: { T1: 'xoxb-1' } });
    const notJson = errorOf(() => loadConfig(Tokens, { TOKENS: '{"T1": xoxb-secret-123' }));
    expect(notJson.message).toContain('TOKENS');
    expect(notJson.message).not.toContain('xoxb-secret-123');
    expect(errorOf(() => loadConfig(Tokens, { TOKENS: '{"T1": 5}' })).message).toContain('TOKENS');
  });

  it('parses and applies defaults', () => {
    const config = loadConfig(Schema, valid);
    expect(config).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_URL: 'postgres://parley:pw@db:5432/parley',
      PORT: 3000,
      LOG_LEVEL: 'info',
      PARLEY_KEY_PREFIX: 'parley',
      BATCH_SIZE: 100,
      CHANNELS: ['a', 'b', 'c'],
      KNOWN_BOTS: ['nightbot'],
      API_TOKEN: 'x',
    });
  });

  it('coerces numbers and treats an empty string as unset for fields with a default', () => {
    const config = loadConfig(Schema, { ...valid, PORT: '8080', BATCH_SIZE: '', LOG_LEVEL: '', KNOWN_BOTS: 'a,b' });
    expect(config.PORT).toBe(8080);
    expect(config.BATCH_SIZE).toBe(100);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.KNOWN_BOTS).toEqual(['a', 'b']);
  });

  it('names a missing variable and what it expects', () => {
    const { REDIS_URL: _omitted, ...env } = valid;
    const error = errorOf(() => loadConfig(Schema, env));
    expect(error.message).toBe('Invalid configuration: REDIS_URL is required (a redis:// or rediss:// URL, or redis+cluster://host:port,host:port)');
    expect(error.issues).toEqual([{ variable: 'REDIS_URL', problem: 'is required (a redis:// or rediss:// URL, or redis+cluster://host:port,host:port)' }]);
  });

  it('takes a Redis Cluster URL with its seed nodes, and names one without a port', () => {
    expect(loadConfig(Schema, { ...valid, REDIS_URL: 'redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7001' }).REDIS_URL).toBe('redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7001');
    expect(errorOf(() => loadConfig(Schema, { ...valid, REDIS_URL: 'redis+cluster://10.0.0.1,10.0.0.2:7001' })).message).toBe(
      'Invalid configuration: REDIS_URL must be a redis:// or rediss:// URL, or redis+cluster://host:port,host:port',
    );
  });

  it('rejects a malformed URL and a URL of the wrong kind', () => {
    expect(errorOf(() => loadConfig(Schema, { ...valid, REDIS_URL: 'not a url' })).message).toBe(
      'Invalid configuration: REDIS_URL must be a redis:// or rediss:// URL, or redis+cluster://host:port,host:port',
    );
    expect(errorOf(() => loadConfig(Schema, { ...valid, DATABASE_URL: 'mysql://db/parley' })).message).toBe(
      'Invalid configuration: DATABASE_URL must be a postgres:// or postgresql:// URL',
    );
  });

  it('lists every bad variable in one line', () => {
    const error = errorOf(() =>
      loadConfig(Schema, { DATABASE_URL: valid.DATABASE_URL, PORT: '70000', LOG_LEVEL: 'loud', PARLEY_KEY_PREFIX: 'Bad Prefix', BATCH_SIZE: '0', CHANNELS: ' , ' }),
    );
    expect(error.message).not.toContain('\n');
    expect(error.message).toBe(
      'Invalid configuration: REDIS_URL is required (a redis:// or rediss:// URL, or redis+cluster://host:port,host:port); ' +
        'PORT must be an integer between 1 and 65535; ' +
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; ' +
        'PARLEY_KEY_PREFIX must be lowercase letters, digits, ":", "_" or "-" (at most 64); ' +
        'BATCH_SIZE must be a positive integer; ' +
        'CHANNELS must be a comma-separated list of at least one item; ' +
        'API_TOKEN is required',
    );
    expect(error.issues.map((issue) => issue.variable)).toEqual([
      'REDIS_URL',
      'PORT',
      'LOG_LEVEL',
      'PARLEY_KEY_PREFIX',
      'BATCH_SIZE',
      'CHANNELS',
      'API_TOKEN',
    ]);
  });

  it('rejects a port that is not an integer', () => {
    expect(errorOf(() => loadConfig(Schema, { ...valid, PORT: '80.5' })).message).toBe(
      'Invalid configuration: PORT must be an integer between 1 and 65535',
    );
    expect(errorOf(() => loadConfig(Schema, { ...valid, PORT: 'http' })).message).toBe(
      'Invalid configuration: PORT must be an integer between 1 and 65535',
    );
  });

  it('never prints a value, even of a variable that failed', () => {
    const secretUrl = 'redis-with-a-typo://:hunter2-SECRET@cache:6379';
    const secretToken = 's3cr3t-token-value';
    const error = errorOf(() =>
      loadConfig(z.object({ REDIS_URL: redisUrl(), TOKEN: z.string().regex(/^oauth:/) }), { REDIS_URL: secretUrl, TOKEN: secretToken }),
    );
    expect(error.message).toContain('REDIS_URL must be a redis:// or rediss:// URL, or redis+cluster://host:port,host:port');
    expect(error.message).toContain('TOKEN must be');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain(secretToken);
    expect(JSON.stringify(error.issues)).not.toContain('hunter2');
  });

  it('uses a field’s own expects text, description or message for app-specific fields', () => {
    const schema = z.object({
      A: expecting(z.enum(['x', 'y']), 'x or y'),
      B: z.string().url().describe('the public URL of the hub'),
      C: z.string().regex(/^[a-z]+$/, 'lowercase letters only'),
    });
    expect(errorOf(() => loadConfig(schema, { A: 'z', B: 'nope', C: 'ABC' })).message).toBe(
      'Invalid configuration: A must be x or y; B must be the public URL of the hub; C must be lowercase letters only',
    );
  });

  it('reports a whole-config rule by its own message', () => {
    const schema = z
      .object({ A: z.string().optional(), B: z.string().optional() })
      .refine((config) => config.A !== undefined || config.B !== undefined, 'set A or B');
    expect(errorOf(() => loadConfig(schema, {})).message).toBe('Invalid configuration: set A or B');
  });
});

describe('configOrExit', () => {
  afterEach(() => vi.restoreAllMocks());

  it('returns the config when it is valid', () => {
    expect(configOrExit(Schema, 'router', valid).PORT).toBe(3000);
  });

  it('writes one prefixed line to stderr and exits with EX_CONFIG (78)', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    expect(() => configOrExit(Schema, 'router', { ...valid, PORT: 'x', API_TOKEN: '' })).toThrow('exit 78');
    expect(EXIT_CONFIG).toBe(78);
    expect(exit).toHaveBeenCalledWith(78);
    expect(written).toEqual(['router: Invalid configuration: PORT must be an integer between 1 and 65535; API_TOKEN is required\n']);
  });
});
