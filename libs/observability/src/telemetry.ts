/**
 * OpenTelemetry bootstrap. Each app's main.ts imports this module first and starts it
 * before importing anything it instruments, so this file must not import pino,
 * prom-client, Nest, ioredis or pg itself (the instrumentations patch them as they load).
 *
 * It has no relative imports and uses only erasable TypeScript, so Node can also run it
 * straight from source (the child-process test does).
 */
import { register as registerAsyncLoaderHooks } from 'node:module';
import { context, propagation, trace, type Context } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import { register as registerSyncLoaderHooks, supportsSyncHooks } from 'import-in-the-middle/register-hooks.mjs';

export interface TelemetryOptions {
  /** `service.name` on every span: the app's name (`router`, `ingest-twitch`, ...). */
  serviceName: string;
  /** Where `OTEL_*` variables are read from; default `process.env`. */
  env?: Record<string, string | undefined>;
}

export interface Telemetry {
  /** False when `OTEL_SDK_DISABLED=true`: no spans, no trace ids in logs. */
  readonly enabled: boolean;
  /** The OTLP/HTTP traces URL spans are sent to, or null when they are only kept in-process. */
  readonly exportUrl: string | null;
  /** The libraries whose calls become spans: `http`, plus `ioredis` and `pg` when spans are exported. */
  readonly instrumented: readonly string[];
  /** Flushes pending spans and unregisters the SDK; call it last on shutdown. */
  shutdown(): Promise<void>;
}

export const TELEMETRY_DEFAULTS = {
  /** Requests the platform itself makes every few seconds; tracing them only buries real traffic. */
  untracedPaths: ['/metrics', '/healthz', '/readyz'],
  /**
   * Packages our ESM code imports directly. Node's ESM loader bypasses `require`, so the
   * instrumentations (built on require-in-the-middle) never see them unless an ESM loader
   * hook (import-in-the-middle) intercepts them; CommonJS `require`s of other packages are
   * seen anyway.
   */
  esmInstrumentedPackages: ['ioredis', 'pg', 'pg-pool'],
} as const;

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];

/**
 * Without an exporter NodeSDK registers no tracer provider at all, and then there are no
 * trace ids to put in logs or to carry across the bus. This processor keeps spans real
 * (sampled, with ids, propagated) while sending them nowhere.
 */
const KEEP_IN_PROCESS: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

let loaderHooksRegistered = false;

/**
 * Starts tracing for this process: the http instrumentation, the W3C trace-context (and
 * baggage) propagator installed globally, and, only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, an OTLP/HTTP exporter and the ioredis and
 * pg instrumentations.
 * `OTEL_SDK_DISABLED=true` turns all of it off. Other `OTEL_*` variables (sampler,
 * batch sizes, resource attributes, `OTEL_LOG_LEVEL`) work as the SDK documents them.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    return { enabled: false, exportUrl: null, instrumented: [], shutdown: async () => undefined };
  }

  const exportUrl = tracesUrl(env);
  const untraced = new Set<string>(TELEMETRY_DEFAULTS.untracedPaths);
  const instrumentations: Array<HttpInstrumentation | PipelinedRedisInstrumentation | PgInstrumentation> = [
    new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => untraced.has((request.url ?? '').split('?')[0]!) }),
  ];
  // A span per Redis command or SQL query is what makes an exported trace useful, and
  // nothing else: when no span leaves the process they only cost the router a fifth of
  // its throughput (bench:router). The trace ids in logs and on the bus come from the
  // spans of the code itself, so they stay.
  if (exportUrl || env.OTEL_TRACES_SAMPLER) {
    registerLoaderHooks();
    instrumentations.push(
      // Only commands and queries made on behalf of something traced: a consumer's blocking
      // XREADGROUP poll or a pool's idle reconnect would otherwise be a new trace every time.
      new PipelinedRedisInstrumentation({ requireParentSpan: true }),
      new PgInstrumentation({ requireParentSpan: true }),
    );
  }
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    instrumentations,
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    ...(exportUrl
      ? { traceExporter: new OTLPTraceExporter({ url: exportUrl }) }
      : {
          spanProcessors: [KEEP_IN_PROCESS],
          // Nothing would read recorded spans: make them non-recording. They still carry
          // trace ids (logs, the bus) at a fraction of the cost. OTEL_TRACES_SAMPLER wins.
          ...(env.OTEL_TRACES_SAMPLER ? {} : { sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }) }),
        }),
    // Metrics are Prometheus (prom-client) and logs are pino on stdout; without these the
    // SDK would start OTLP metric and log exporters of its own.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();

  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    exportUrl,
    instrumented: instrumentations.map((instrumentation) => instrumentation.instrumentationName.replace(/^@opentelemetry\/instrumentation-/, '')),
    shutdown: () =>
      (stopped ??= sdk.shutdown().finally(() => {
        // Leave the API as it was before start, so a later start (tests) can register again.
        trace.disable();
        context.disable();
        propagation.disable();
      })),
  };
}

/** The spec's rule: the signal-specific variable is used as is; the generic one gets `/v1/traces`. */
function tracesUrl(env: Record<string, string | undefined>): string | null {
  const specific = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (specific) return specific;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return null;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

function registerLoaderHooks(): void {
  if (loaderHooksRegistered) return;
  loaderHooksRegistered = true;
  const include = [...TELEMETRY_DEFAULTS.esmInstrumentedPackages];
  if (supportsSyncHooks()) {
    // In-thread hooks (module.registerHooks): no message channel to the loader thread.
    registerSyncLoaderHooks({ include });
  } else {
    registerAsyncLoaderHooks('import-in-the-middle/hook.mjs', import.meta.url, { data: { include } });
  }
}

type SendCommand = (this: unknown, command: object, ...rest: unknown[]) => unknown;
interface SendsCommands {
  prototype: { sendCommand: SendCommand };
}
/** What `ioredis` exports, as far as this needs it: the client class, with `Pipeline` hung on it. */
type IORedisExports = SendsCommands & { Pipeline: SendsCommands };

/**
 * The ioredis instrumentation makes a command's span in `Redis#sendCommand`. With
 * auto-pipelining (Parley's clients but the router's) that call happens in a `setImmediate`, in the
 * context of whichever command opened the batch: a sampled event's Redis spans were dropped
 * (the batch was opened by one of the 99 % unsampled) or filed under another trace. This
 * remembers the context each command was queued in and sends it from there. Explicit
 * pipelines and MULTI get the same treatment; a command sent directly is untouched.
 */
export class PipelinedRedisInstrumentation extends IORedisInstrumentation {
  override init(): ReturnType<IORedisInstrumentation['init']> {
    const queuedIn = new WeakMap<object, Context>();
    const restore: Array<() => void> = [];
    return super.init().map((definition) => {
      const { patch, unpatch } = definition;
      definition.patch = (module: unknown, version?: string) => {
        const patched: unknown = patch ? patch(module, version) : module;
        const ioredis = exportsOf(patched);
        // Wrapped by hand: the instrumentation's `_wrap` would first unwrap the span-making
        // wrapper this must sit outside of.
        const queue = ioredis.Pipeline.prototype.sendCommand;
        const send = ioredis.prototype.sendCommand;
        ioredis.Pipeline.prototype.sendCommand = function queueInContext(this: unknown, command: object, ...rest: unknown[]) {
          const active = context.active();
          if (trace.getSpan(active)) queuedIn.set(command, active);
          return queue.call(this, command, ...rest);
        };
        ioredis.prototype.sendCommand = function sendInQueuedContext(this: unknown, command: object, ...rest: unknown[]) {
          const queued = command && queuedIn.get(command);
          return queued ? context.with(queued, () => send.call(this, command, ...rest)) : send.call(this, command, ...rest);
        };
        restore.push(() => {
          ioredis.Pipeline.prototype.sendCommand = queue;
          ioredis.prototype.sendCommand = send;
        });
        return patched;
      };
      definition.unpatch = (module: unknown, version?: string) => {
        restore.splice(0).forEach((undo) => undo());
        unpatch?.(module, version);
      };
      return definition;
    });
  }
}

/** The CommonJS exports, whether the module came through `require` or an ESM namespace. */
function exportsOf(module: unknown): IORedisExports {
  const namespace = module as { [Symbol.toStringTag]?: string; default?: IORedisExports };
  return namespace[Symbol.toStringTag] === 'Module' ? namespace.default! : (module as IORedisExports);
}
