import { ConfigError, loadConfig } from '@parley/config';
import { describe, expect, it } from 'vitest';
import { IngestDiscordConfigSchema } from './config.js';

const base = { REDIS_URL: 'redis://127.0.0.1:6379', DISCORD_TOKEN: 'a-bot-token-secret' };

function problems(env: Record<string, string>): string {
  try {
    loadConfig(IngestDiscordConfigSchema, env);
    return '';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.message;
  }
}

describe('ingest-discord configuration', () => {
  it('parses the guild role mappings, with the defaults of the README', () => {
    const config = loadConfig(IngestDiscordConfigSchema, { ...base, DISCORD_GUILDS: JSON.stringify({ '81384788765712384': { moderatorRoleIds: ['81384788765712385'] } }) });
    expect(config.DISCORD_GUILDS['81384788765712384']).toEqual({ moderatorRoleIds: ['81384788765712385'] });
    expect(config).toMatchObject({ PORT: 3012, DISCORD_SHARD_COUNT: 1, DISCORD_SHARDING: 'all', DISCORD_API_URL: 'https://discord.com/api' });
  });

  it('names the variable of each problem and never echoes the token', () => {
    expect(problems({ ...base, DISCORD_GUILDS: 'not json' })).toMatch(/DISCORD_GUILDS/);
    expect(problems({ ...base, DISCORD_GUILDS: JSON.stringify({ 'not-a-snowflake': {} }) })).toMatch(/DISCORD_GUILDS/);
    expect(problems({ ...base, DISCORD_SHARDING: 'some' })).toMatch(/DISCORD_SHARDING/);
    expect(problems({ ...base, DISCORD_TOKEN: 'short' })).toMatch(/DISCORD_TOKEN/);
    expect(problems({ ...base, DISCORD_TOKEN: 'short' })).not.toMatch(/short/);
  });
});
