import { z } from 'zod';
import { databaseUrl, expecting, keyPrefix, redisUrl } from '@parley/config';

const optionalSecret = expecting(z.string().min(1).optional(), 'a token');
const apiUrl = (fallback: string) => z.url({ protocol: /^https?$/ }).default(fallback);

/**
 * The CLI's environment. Source tokens come from the environment, never from the command
 * line (which other users of the machine see in `ps` and which shells keep in history).
 */
export const CliConfigSchema = z.object({
  DATABASE_URL: databaseUrl(),
  /** When set, routers are told to reload a community after an apply; unreachable Redis only warns. */
  REDIS_URL: redisUrl().optional(),
  PARLEY_KEY_PREFIX: keyPrefix(),
  NIGHTBOT_TOKEN: optionalSecret,
  STREAMELEMENTS_JWT: optionalSecret,
  STREAMELEMENTS_OAUTH_TOKEN: optionalSecret,
  NIGHTBOT_API_URL: apiUrl('https://api.nightbot.tv'),
  STREAMELEMENTS_API_URL: apiUrl('https://api.streamelements.com/kappa/v2'),
});

export type CliConfig = z.infer<typeof CliConfigSchema>;
