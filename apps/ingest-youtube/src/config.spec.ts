import { ConfigError, loadConfig } from '@parley/config';
import { describe, expect, it } from 'vitest';
import { IngestYouTubeConfigSchema } from './config.js';

const base = { REDIS_URL: 'redis://127.0.0.1:6379', YOUTUBE_BOT_CHANNEL_ID: 'UCbot', YOUTUBE_BOT_ACCESS_TOKEN: 'token' };

function problems(env: Record<string, string>): string {
  try {
    loadConfig(IngestYouTubeConfigSchema, env);
    return '';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

describe('ingest-youtube configuration', () => {
  it('parses the credentials JSON: broadcaster tokens per channel, projects communities bring', () => {
    const config = loadConfig(IngestYouTubeConfigSchema, {
      ...base,
      YOUTUBE_CLIENT_ID: 'client',
      YOUTUBE_CLIENT_SECRET: 'secret',
      YOUTUBE_CREDENTIALS: JSON.stringify({
        channels: { UCa: { broadcaster: { refreshToken: 'r' } }, UCb: { project: 'acme', broadcaster: { accessToken: 'a' } } },
        projects: { acme: { clientId: 'c', clientSecret: 's', botChannelId: 'UCacmebot', bot: { refreshToken: 'r2' } } },
      }),
    });
    expect(config.YOUTUBE_CREDENTIALS.projects['acme']).toMatchObject({ dailyUnits: 10_000, sendReserve: 1_000 });
    expect(config.PORT).toBe(3011);
    expect(config.YOUTUBE_GRPC_TLS).toBe(true);
  });

  it('names the variable of each problem and never echoes a value', () => {
    expect(problems({ ...base, YOUTUBE_CREDENTIALS: 'not json with a secret' })).toMatch(/YOUTUBE_CREDENTIALS/);
    expect(problems({ ...base, YOUTUBE_CREDENTIALS: 'not json with a secret' })).not.toMatch(/secret/);
    expect(problems({ ...base, YOUTUBE_CREDENTIALS: JSON.stringify({ channels: { UCa: { project: 'nope', broadcaster: { accessToken: 'a' } } } }) })).toMatch(
      /YOUTUBE_CREDENTIALS\.channels must be channels whose project is YOUTUBE_PROJECT or one of its projects/,
    );
    // Broadcaster refresh tokens need the deployment's OAuth client.
    expect(problems({ ...base, YOUTUBE_CREDENTIALS: JSON.stringify({ channels: { UCa: { broadcaster: { refreshToken: 'r' } } } }) })).toMatch(/YOUTUBE_CLIENT_ID/);
    expect(problems({ REDIS_URL: base.REDIS_URL, YOUTUBE_BOT_CHANNEL_ID: 'UCbot' })).toMatch(/YOUTUBE_BOT_ACCESS_TOKEN is required/);
  });
});
