import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { distRoot } from './support.js';

/** Runs a built app with exactly `env` (plus PATH) and returns how it ended. */
function runApp(app: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, [join(distRoot, 'apps', app, 'src', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', OTEL_SDK_DISABLED: 'true', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stderrLines: result.stderr.trim().split('\n').filter(Boolean), stdout: result.stdout };
}

describe('configuration is validated at start-up', () => {
  it('a missing variable stops the app with one line naming it', () => {
    const { status, stderrLines } = runApp('ingest-twitch', { TWITCH_OAUTH_TOKEN: 'super-secret-token', TWITCH_CHANNELS: 'a' });
    expect(status).toBe(78);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(/TWITCH_BOT_LOGIN/);
  });

  it('a malformed variable is named with what it expects, and no value is echoed', () => {
    const { status, stderrLines } = runApp('router', { REDIS_URL: 'http://user:hunter2@example', DATABASE_URL: 'postgres://u@h/db', PORT: 'eighty' });
    expect(status).toBe(78);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(/REDIS_URL/);
    expect(stderrLines[0]).toMatch(/PORT/);
    expect(stderrLines[0]).not.toMatch(/hunter2|eighty/);
  });

  it('the token never appears in the error line', () => {
    const { stderrLines } = runApp('ingest-twitch', { TWITCH_OAUTH_TOKEN: 'super-secret-token', TWITCH_BOT_LOGIN: 'NOT A LOGIN!' });
    expect(stderrLines.join('\n')).toMatch(/TWITCH_BOT_LOGIN/);
    expect(stderrLines.join('\n')).not.toMatch(/super-secret-token/);
  });

  it('needs a static token or all three refresh credentials, and says which', () => {
    const noToken = runApp('ingest-twitch', { TWITCH_BOT_LOGIN: 'parleybot', TWITCH_CLIENT_ID: 'id', TWITCH_REFRESH_TOKEN: 'refresh-secret' });
    expect(noToken.status).toBe(78);
    expect(noToken.stderrLines).toHaveLength(1);
    expect(noToken.stderrLines[0]).toMatch(/TWITCH_OAUTH_TOKEN is required \(the bot account OAuth token, unless TWITCH_REFRESH_TOKEN, TWITCH_CLIENT_ID and TWITCH_CLIENT_SECRET are set\)/);
    expect(noToken.stderrLines[0]).not.toMatch(/refresh-secret/);
  });

  it('EventSub with the shard manager needs the database it reads the hub’s channels from', () => {
    const env = { TWITCH_BOT_LOGIN: 'parleybot', TWITCH_OAUTH_TOKEN: 'bot-secret', TWITCH_TRANSPORT: 'eventsub', TWITCH_CLIENT_ID: 'id', TWITCH_CLIENT_SECRET: 'client-secret', TWITCH_BOT_USER_ID: '42' };
    const { status, stderrLines } = runApp('ingest-twitch', env);
    expect(status).toBe(78);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(/DATABASE_URL is required \(a postgres:\/\/ or postgresql:\/\/ URL; EventSub without TWITCH_CHANNELS reads the hub’s Twitch channels from it\)/);
    expect(stderrLines[0]).not.toMatch(/secret/);
  });

  it('ingest-youtube names every bad variable in one line, a malformed credentials JSON included, never a secret', () => {
    const { status, stderrLines } = runApp('ingest-youtube', {
      REDIS_URL: 'redis://127.0.0.1:6379',
      YOUTUBE_BOT_REFRESH_TOKEN: '1//refresh-secret',
      YOUTUBE_CREDENTIALS: '{"channels": {"UCx": {"broadcaster": {"accessToken": "broadcaster-secret"}}',
    });
    expect(status).toBe(78);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(/^ingest-youtube: /);
    expect(stderrLines[0]).toMatch(/YOUTUBE_BOT_CHANNEL_ID/);
    expect(stderrLines[0]).toMatch(/YOUTUBE_CREDENTIALS/);
    expect(stderrLines[0]).toMatch(/YOUTUBE_BOT_ACCESS_TOKEN is required/);
    expect(stderrLines[0]).not.toMatch(/secret/);
  });

  it('ingest-discord and ingest-slack exit 78 with one line naming each bad variable, never a secret', () => {
    const discord = runApp('ingest-discord', { REDIS_URL: 'redis://127.0.0.1:6379', DISCORD_SHARD_COUNT: '0', DISCORD_GUILDS: '{"broken": secret' });
    expect(discord.status).toBe(78);
    expect(discord.stderrLines).toHaveLength(1);
    expect(discord.stderrLines[0]).toMatch(/^ingest-discord: /);
    for (const name of ['DISCORD_TOKEN', 'DISCORD_SHARD_COUNT', 'DISCORD_GUILDS']) expect(discord.stderrLines[0]).toMatch(new RegExp(name));
    expect(discord.stderrLines[0]).not.toMatch(/secret/);
    const slack = runApp('ingest-slack', { REDIS_URL: 'redis://127.0.0.1:6379', SLACK_WORKSPACES: '{"T0001": {"botToken": "xoxb-secret"' });
    expect(slack.status).toBe(78);
    expect(slack.stderrLines).toHaveLength(1);
    expect(slack.stderrLines[0]).toMatch(/^ingest-slack: .*SLACK_SIGNING_SECRET.*SLACK_WORKSPACES|^ingest-slack: .*SLACK_WORKSPACES.*SLACK_SIGNING_SECRET/);
    expect(slack.stderrLines[0]).not.toMatch(/xoxb-secret/);
  });
});
