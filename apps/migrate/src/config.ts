import { z } from 'zod';
import { databaseUrl, logLevel } from '@parley/config';

export const MigrateConfigSchema = z.object({
  DATABASE_URL: databaseUrl(),
  LOG_LEVEL: logLevel(),
});

export type MigrateConfig = z.infer<typeof MigrateConfigSchema>;
