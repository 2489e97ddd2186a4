// Tracing starts before anything it instruments (ioredis, pg, http) is loaded.
import { startTelemetry } from '@parley/observability/telemetry';

const telemetry = startTelemetry({ serviceName: 'hub' });
const { bootstrap } = await import('./bootstrap.js');
await bootstrap(telemetry);
