import { z } from 'zod';

export const PLATFORMS = ['twitch', 'youtube', 'discord', 'slack'] as const;
export const Platform = z.enum(PLATFORMS);
export type Platform = z.infer<typeof Platform>;

/**
 * Platform-neutral roles, lowest to highest. Each ingest maps its platform's badges
 * (Twitch badges, YouTube isChatModerator/isChatSponsor, Discord role ids resolved by
 * the community's settings, ...) onto these.
 */
export const ROLES = ['everyone', 'subscriber', 'vip', 'moderator', 'broadcaster'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;
