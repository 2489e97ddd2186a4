import { hubTable, type Queryable } from '@parley/db';
import { HttpProblem, type RouteRegistry } from '@parley/http-api';
import type { LiveStateStore } from '@parley/youtube/live-state';
import { z } from 'zod';
import type { Access, RequestContext } from './access.js';
import { CommunityIdParams, Platform } from './schemas.js';

export interface ChannelLiveRoutesDeps {
  db: Queryable;
  /** Written by the YouTube ingest pod that follows each channel. */
  youtube: Pick<LiveStateStore, 'read'>;
}

const ChannelLive = z.object({
  channelId: z.uuid(),
  platform: Platform,
  platformChannelId: z.string(),
  status: z
    .enum(['checking', 'offline', 'live', 'degraded', 'unknown'])
    .describe('checking (just taken by a pod), offline, live (a chat is read), degraded (see reason), unknown (no pod reports this channel, or the platform has no live state)'),
  liveChatId: z.string().nullable().describe('The live chat being read'),
  reading: z.string().nullable().describe('How the chat is read: streaming (streamList), polling (list fallback), waiting-for-quota'),
  project: z.string().nullable().describe('The Google project the calls are charged to'),
  reason: z.string().nullable().describe('Why the channel is degraded (quota spent until the reset, no credentials, ...), or why a chat stopped'),
  since: z.iso.datetime().nullable().describe('Since when the channel is in this status'),
  updatedAt: z.iso.datetime().nullable(),
  nextCheckAt: z.iso.datetime().nullable().describe('offline: when the pod asks YouTube again (the quota pays for the checks)'),
  retryAt: z.iso.datetime().nullable().describe('degraded: when the pod tries again (midnight Pacific time for a spent quota)'),
  pod: z.string().nullable().describe('The ingest pod that follows the channel'),
});

/** Each channel's live state as its ingest pod reports it: read-only, from Redis. */
export function addChannelLiveRoutes(registry: RouteRegistry<Access, RequestContext>, deps: ChannelLiveRoutesDeps): void {
  const channels = hubTable(deps.db, 'channels');
  registry.add({
    method: 'GET',
    path: '/v1/communities/{communityId}/channels/{channelId}/live',
    operationId: 'get-channel-live',
    summary: 'Whether a channel is live and which chat the bot reads (YouTube)',
    tags: ['channels'],
    access: 'read',
    params: z.strictObject({ ...CommunityIdParams.shape, channelId: z.uuid() }),
    responses: { 200: { description: "The channel's live state", schema: ChannelLive } },
    handler: async ({ params }) => {
      const channel = await channels.find(params.communityId, params.channelId);
      if (!channel) throw new HttpProblem(404, `There is no channel ${params.channelId} in this community.`);
      const base = { channelId: channel.id, platform: channel.platform, platformChannelId: channel.platformChannelId };
      const state = channel.platform === 'youtube' ? await deps.youtube.read(channel.platformChannelId) : null;
      const field = (value: string | undefined) => value ?? null;
      return {
        status: 200,
        body: {
          ...base,
          status: state?.status ?? 'unknown',
          liveChatId: field(state?.liveChatId),
          reading: field(state?.reading),
          project: field(state?.project),
          reason: state ? field(state.reason) : channel.platform === 'youtube' ? 'no ingest pod follows this channel now' : 'only YouTube channels report a live state',
          since: field(state?.since),
          updatedAt: field(state?.updatedAt),
          nextCheckAt: field(state?.nextCheckAt),
          retryAt: field(state?.retryAt),
          pod: field(state?.pod),
        },
      };
    },
  });
}
