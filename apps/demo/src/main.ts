import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { migrate } from '@parley/db';
import { DiscordFake, SlackFake, TwitchTmiFake, YouTubeFake } from '@parley/platform-fakes';
import { launchApp, stopApps, waitUntilReady, type AppProcess } from '@parley/launcher';
import { runDemoChat } from './chat.js';
import { DEMO_DISCORD_GUILD, DEMO_SLACK_TEAM, demoDiscord, demoSlack } from './community-chats.js';
import { DEMO_BOT, DEMO_CHANNEL, seedDemo, seedDemoChannel } from './seed.js';
import { DEMO_YOUTUBE_CHANNEL, demoYouTube } from './youtube-chat.js';
import { ServerUnavailableError, ensureDatabase, ensurePostgres, ensureRedis, type Server } from './servers.js';

// dist/apps/demo/src/main.js → repository root
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const say = (line: string) => process.stdout.write(`parley: ${line}\n`);

const servers: Server[] = [];
const apps: AppProcess[] = [];
let fake: TwitchTmiFake | undefined;
let youtubeFake: YouTubeFake | undefined;
let discordFake: DiscordFake | undefined;
let slackFake: SlackFake | undefined;
let shuttingDown: Promise<void> | undefined;

function shutdown(code: number): Promise<void> {
  shuttingDown ??= (async () => {
    say('stopping ...');
    await stopApps(apps);
    await fake?.stop();
    await youtubeFake?.stop();
    await discordFake?.stop();
    await slackFake?.stop();
    for (const server of servers.reverse()) await server.stop().catch(() => {});
    process.exit(code);
  })();
  return shuttingDown;
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  const redis = await ensureRedis(say);
  servers.push(redis);
  const postgres = await ensurePostgres(say);
  servers.push(postgres);
  const databaseUrl = process.env.DATABASE_URL ?? (await ensureDatabase(postgres.url, 'parley_demo'));
  await migrate(databaseUrl);

  fake = new TwitchTmiFake();
  const { ircUrl } = await fake.start();
  await seedDemo(databaseUrl, fake.channelId(DEMO_CHANNEL));
  youtubeFake = new YouTubeFake();
  const { restUrl, grpcAddress } = await youtubeFake.start();
  const youtube = demoYouTube(youtubeFake, 'viewer');
  await seedDemoChannel(databaseUrl, 'youtube', DEMO_YOUTUBE_CHANNEL, 'Parley demo on YouTube');
  discordFake = new DiscordFake();
  const discord = demoDiscord(discordFake, (await discordFake.start()).apiUrl, 'viewer');
  await seedDemoChannel(databaseUrl, 'discord', DEMO_DISCORD_GUILD, 'Parley demo on Discord');
  slackFake = new SlackFake();
  const slack = demoSlack(slackFake, await slackFake.start(), 'viewer');
  await seedDemoChannel(databaseUrl, 'slack', DEMO_SLACK_TEAM, 'Parley demo on Slack');

  const env = {
    REDIS_URL: redis.url,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    TWITCH_IRC_URL: ircUrl,
    TWITCH_BOT_LOGIN: DEMO_BOT,
    TWITCH_OAUTH_TOKEN: 'demo-token',
    TWITCH_CHANNELS: DEMO_CHANNEL,
  };
  const logDir = join(root, '.parley', 'logs');
  for (const name of ['router', 'ingest-twitch']) apps.push(await launchApp(name, { distRoot: join(root, 'dist'), logDir, instance: 'demo', env }));
  const youtubeEnv = { ...env, ...youtube.env, YOUTUBE_API_URL: restUrl.replace(/youtube\/v3$/, ''), YOUTUBE_GRPC_ADDRESS: grpcAddress };
  apps.push(await launchApp('ingest-youtube', { distRoot: join(root, 'dist'), logDir, instance: 'demo', env: youtubeEnv }));
  apps.push(await launchApp('ingest-discord', { distRoot: join(root, 'dist'), logDir, instance: 'demo', env: { ...env, ...discord.env } }));
  const slackIngest = await launchApp('ingest-slack', { distRoot: join(root, 'dist'), logDir, instance: 'demo', env: { ...env, ...slack.env } });
  apps.push(slackIngest);
  // Slack's Events API posts to the ingest's Request URL.
  slackFake.options.requestUrl = `http://127.0.0.1:${slackIngest.port}/slack/events`;
  // The hub, to manage the demo community over HTTP. Its admin token is made for this run
  // and kept in a file readable by this user only, never printed or logged.
  const adminToken = randomBytes(24).toString('base64url');
  const tokenFile = join(root, '.parley', 'demo-admin-token');
  mkdirSync(dirname(tokenFile), { recursive: true });
  writeFileSync(tokenFile, `${adminToken}\n`, { mode: 0o600 });
  const hub = await launchApp('hub', {
    distRoot: join(root, 'dist'),
    logDir,
    instance: 'demo',
    env: { ...env, HUB_ADMIN_TOKEN: adminToken, HUB_COOKIE_SECRET: randomBytes(24).toString('base64url'), HUB_COOKIE_SECURE: 'false' },
  });
  apps.push(hub);
  // Six apps start at once: on a busy machine the first start takes longer than one app's 30 s.
  await waitUntilReady(apps, 90_000);
  // A line typed before the ingest reads the YouTube chat would be backlog, never answered: wait for its stream.
  for (let waited = 0; youtubeFake.openStreams() === 0 && waited < 30_000; waited += 100) await sleep(100);

  say(`demo chat in #${DEMO_CHANNEL}: type a message (try !ping, !hello, !so someone); Ctrl-C quits.`);
  say(`YouTube demo chat of ${DEMO_YOUTUBE_CHANNEL} beside it: start a line with yt: (try yt: !ping).`);
  say('Discord and Slack demo channels beside it too: start a line with dc: or sl: (try dc: !ping, sl: !ping).');
  say(`hub: http://127.0.0.1:${hub.port}/docs (admin token in ${tokenFile}: Authorization: Bearer <token>)`);
  say(`app logs: ${logDir}; metrics: ${apps.map((app) => `http://127.0.0.1:${app.port}/metrics`).join(' ')}`);
  // The apps inherit this environment, so they export to the same collector (docs/observability.md).
  const otlp = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  say(otlp ? `traces: exported over OTLP/HTTP to ${otlp}` : 'traces: not exported (set OTEL_EXPORTER_OTLP_ENDPOINT, e.g. a local Jaeger at http://127.0.0.1:4318)');
  const chat = runDemoChat(fake, { channel: DEMO_CHANNEL, viewer: 'viewer', bot: DEMO_BOT, chats: [youtube.chat, discord.chat, slack.chat] });
  await chat.closed;
  await shutdown(0);
} catch (error) {
  const message = error instanceof ServerUnavailableError ? error.message : (error as Error).stack;
  process.stderr.write(`parley: ${message}\n`);
  await shutdown(1);
}
