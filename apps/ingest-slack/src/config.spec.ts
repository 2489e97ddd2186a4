import { ConfigError, loadConfig } from '@parley/config';
import { describe, expect, it } from 'vitest';
import { IngestSlackConfigSchema } from './config.js';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  SLACK_SIGNING_SECRET: 'a-signing-secret',
  SLACK_WORKSPACES: JSON.stringify({ T0001: { botToken: 'xoxb-1-secret', botUserId: 'UBOT1' } }),
};

function problems(env: Record<string, string>): string {
  try {
    loadConfig(IngestSlackConfigSchema, env);
    return '';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

describe('ingest-slack configuration', () => {
  it('parses the workspaces, with the defaults of the README', () => {
    const config = loadConfig(IngestSlackConfigSchema, base);
    expect(config.SLACK_WORKSPACES['T0001']).toEqual({ botToken: 'xoxb-1-secret', botUserId: 'UBOT1' });
    expect(config).toMatchObject({
      PORT: 3013,
      SLACK_EVENTS_PATH: '/slack/events',
      SLACK_API_URL: 'https://slack.com/api/',
      SLACK_SEND_LIMIT: 1,
      SLACK_USER_CACHE_TTL_MS: 300_000,
      SLACK_USER_CACHE_MAX_ENTRIES: 10_000,
      SLACK_USER_LOOKUP_TIMEOUT_MS: 1_000,
    });
  });

  it('names the variable of each problem and never echoes a token', () => {
    expect(problems({ ...base, SLACK_WORKSPACES: 'xoxb-SECRETVALUE-not-json' })).toMatch(/SLACK_WORKSPACES/);
    expect(problems({ ...base, SLACK_WORKSPACES: 'xoxb-SECRETVALUE-not-json' })).not.toMatch(/SECRETVALUE/);
    expect(problems({ ...base, SLACK_WORKSPACES: JSON.stringify({ T0001: { botToken: 'xoxp-user-token', botUserId: 'UBOT1' } }) })).toMatch(/SLACK_WORKSPACES/);
    expect(problems({ ...base, SLACK_WORKSPACES: '{}' })).toMatch(/SLACK_WORKSPACES/);
    expect(problems({ REDIS_URL: base.REDIS_URL, SLACK_WORKSPACES: base.SLACK_WORKSPACES })).toMatch(/SLACK_SIGNING_SECRET/);
  });
});
