import { z } from 'zod';

/**
 * Published by the hub (or the router's chat commands) on the config-changes channel
 * whenever a community's configuration changes; routers drop that community's cache.
 */
export const ConfigChangeV1 = z.object({ v: z.literal(1), communityId: z.string().min(1).max(64) });
export type ConfigChange = z.infer<typeof ConfigChangeV1>;

export function encodeConfigChange(communityId: string): string {
  return JSON.stringify({ v: 1, communityId } satisfies ConfigChange);
}

/** null for a message this build does not understand (it then refreshes everything). */
export function decodeConfigChange(message: string): ConfigChange | null {
  try {
    const parsed = ConfigChangeV1.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
