// Tracing starts before anything it instruments (ioredis, pg, http) is loaded.
import { startTelemetry } from '@parley/observability/telemetry';

const telemetry = startTelemetry({ serviceName: 'shard-manager' });
const { bootstrap } = await import('./bootstrap.js');
await bootstrap(telemetry);
