// Tracing starts before anything it instruments (ioredis, http) is loaded.
import { startTelemetry } from '@parley/observability/telemetry';

const telemetry = startTelemetry({ serviceName: 'ingest-slack' });
const { bootstrap } = await import('./bootstrap.js');
await bootstrap(telemetry);
