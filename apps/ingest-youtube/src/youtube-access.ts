import { SharedTokenProvider, StaticAuthProvider, type AuthProvider } from '@parley/ingest';
import { GoogleTokenIssuer, QuotaBudget, type YouTubeChannelAccess, type YouTubeProject } from '@parley/youtube';
import type { Redis } from 'ioredis';
import type { IngestYouTubeConfig } from './config.js';

/** Every token provider built, so the runner can keep the refreshing ones fresh and stop them. */
export interface YouTubeAccess {
  projects: Map<string, YouTubeProject>;
  access: (channelId: string) => YouTubeChannelAccess | undefined;
  refreshing: SharedTokenProvider[];
}

/**
 * The Google projects and tokens of the configuration: the deployment's project (plain
 * variables) and the ones communities bring (`YOUTUBE_CREDENTIALS.projects`), each with its
 * own budget; per channel the broadcaster's token. A refresh token becomes a
 * `SharedTokenProvider` (one refresh per account across pods), an access token is used as is.
 */
export function buildYouTubeAccess(config: IngestYouTubeConfig, redis: Redis): YouTubeAccess {
  const refreshing: SharedTokenProvider[] = [];
  const provider = (account: string, token: { refreshToken: string } | { accessToken: string }, client: { clientId?: string; clientSecret?: string }): AuthProvider => {
    if ('accessToken' in token) return new StaticAuthProvider(token.accessToken);
    const issuer = new GoogleTokenIssuer({ clientId: client.clientId!, clientSecret: client.clientSecret!, tokenUrl: config.YOUTUBE_TOKEN_URL, requestTimeoutMs: 10_000 });
    const shared = new SharedTokenProvider(redis, issuer, {
      keyPrefix: config.PARLEY_KEY_PREFIX,
      platform: 'youtube',
      holder: config.INGEST_MEMBER_ID,
      account,
      initialRefreshToken: token.refreshToken,
    });
    refreshing.push(shared);
    return shared;
  };
  const budget = (dailyUnits: number, sendReserve: number) =>
    new QuotaBudget(redis, { keyPrefix: config.PARLEY_KEY_PREFIX, dailyUnits, sendReserve: Math.min(sendReserve, dailyUnits - 1), chatCap: config.YOUTUBE_CHAT_CAP });

  const deploymentClient = { clientId: config.YOUTUBE_CLIENT_ID, clientSecret: config.YOUTUBE_CLIENT_SECRET };
  const projects = new Map<string, YouTubeProject>();
  projects.set(config.YOUTUBE_PROJECT, {
    id: config.YOUTUBE_PROJECT,
    budget: budget(config.YOUTUBE_DAILY_UNITS, config.YOUTUBE_SEND_RESERVE),
    // The schema guarantees a static token when there are no refresh credentials.
    bot: provider(
      config.YOUTUBE_BOT_CHANNEL_ID,
      config.YOUTUBE_BOT_ACCESS_TOKEN ? { accessToken: config.YOUTUBE_BOT_ACCESS_TOKEN } : { refreshToken: config.YOUTUBE_BOT_REFRESH_TOKEN! },
      deploymentClient,
    ),
    botChannelId: config.YOUTUBE_BOT_CHANNEL_ID,
  });
  const clients = new Map<string, { clientId?: string; clientSecret?: string }>([[config.YOUTUBE_PROJECT, deploymentClient]]);
  for (const [id, project] of Object.entries(config.YOUTUBE_CREDENTIALS.projects)) {
    clients.set(id, project);
    projects.set(id, { id, budget: budget(project.dailyUnits, project.sendReserve), bot: provider(`${id}:${project.botChannelId}`, project.bot, project), botChannelId: project.botChannelId });
  }
  const channels = new Map<string, YouTubeChannelAccess>();
  for (const [channelId, channel] of Object.entries(config.YOUTUBE_CREDENTIALS.channels)) {
    const projectId = channel.project ?? config.YOUTUBE_PROJECT;
    const project = projects.get(projectId);
    // A channel naming an unknown project is left without access: it shows degraded with the reason.
    if (!project) continue;
    channels.set(channelId, { project, broadcaster: provider(`broadcaster:${channelId}`, channel.broadcaster, clients.get(projectId)!) });
  }
  return { projects, access: (channelId) => channels.get(channelId), refreshing };
}
