import { EventEmitter } from 'node:events';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import {
  BreakerRegistry,
  CircuitOpenError,
  DefaultCircuitBreakerOptions,
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerEvents,
  type CircuitBreakerOptions,
} from '@parley/resilience';
import { UnsafeUrlError, WebhookUrlGuard, guardedLookup, isIpLiteral } from '@parley/ssrf-guard';
import { Agent, fetch, type Response } from 'undici';
import { z } from 'zod';
import {
  WebhookError,
  WebhookHttpError,
  WebhookModuleConfigError,
  WebhookResponseError,
  WebhookTimeoutError,
  WebhookTransportError,
} from './errors.js';
import { WebhookHeaders, signWebhookBody } from './signature.js';
import {
  WebhookReplyBody,
  type WebhookFallbackReason,
  type WebhookModule,
  type WebhookOutcome,
  type WebhookPayload,
  type WebhookReply,
  type WebhookRequest,
} from './types.js';

/**
 * Breaker settings of every module webhook. There is no `timeoutMs` here: each call's
 * deadline is its module's own `timeoutMs`, enforced with an `AbortSignal` that also
 * cancels the request.
 */
export type WebhookBreakerOptions = Omit<CircuitBreakerOptions, 'timeoutMs' | 'isTimeout'>;

export interface WebhookModuleClientOptions {
  /** What the bot says when a module is unavailable (breaker open, timeout, error). */
  fallbackText: string;
  /** A larger answer body is a failure. */
  maxResponseBytes: number;
  userAgent: string;
  /** One breaker per module id, with these settings. */
  breaker: WebhookBreakerOptions;
  /** Clock of `X-Parley-Timestamp`, ms since the epoch. */
  now: () => number;
  /**
   * Hosts, addresses or CIDRs a webhook may reach although they are not public (the
   * hub's HUB_WEBHOOK_ALLOWLIST). Everything else private, loopback or link-local is
   * refused when the call is made, also when a name was re-pointed after it was saved.
   */
  allowList: readonly string[];
}

const { timeoutMs: _timeoutMs, isTimeout: _isTimeout, ...DefaultWebhookBreakerOptions } = DefaultCircuitBreakerOptions;

export const DefaultWebhookModuleClientOptions: WebhookModuleClientOptions = {
  fallbackText: 'That command is unavailable right now; try again in a moment.',
  maxResponseBytes: 16_384,
  userAgent: 'parley-webhooks/1',
  breaker: DefaultWebhookBreakerOptions,
  now: Date.now,
  allowList: [],
};

/** One `invoke`, as it ended. `error` is set for fallbacks other than `open`; it never holds the secret or URL. */
export interface WebhookInvocation {
  moduleId: string;
  outcome: WebhookOutcome['kind'];
  reason?: WebhookFallbackReason;
  latencyMs: number;
  error?: WebhookError;
}

/**
 * The breaker events of every module (with `name` = module id), plus one `invoked` per
 * `invoke`. The router turns them into `parley_module_breaker_state{module_id}` and
 * counters; `breakers.states()` gives the gauge at scrape time.
 */
export interface WebhookModuleClientEvents extends CircuitBreakerEvents {
  invoked: [info: WebhookInvocation];
}

type Delivery = CircuitBreaker<[module: WebhookModule, request: WebhookRequest], WebhookReply | null>;

/**
 * Calls community webhook modules: signed POSTs with a per-module deadline, behind one
 * circuit breaker per module, so a slow or broken module costs its own commands a short
 * fallback reply and nothing else. `invoke` never throws for anything the webhook does.
 */
export class WebhookModuleClient extends EventEmitter<WebhookModuleClientEvents> {
  readonly options: Readonly<WebhookModuleClientOptions>;
  /** One breaker per module id. */
  readonly breakers = new BreakerRegistry();
  private readonly tracer = trace.getTracer('@parley/modules');
  private readonly urlGuard: WebhookUrlGuard;
  /** Connections whose every resolved address is checked as the socket opens (DNS rebinding). */
  private readonly dispatcher: Agent;
  private closed = false;

  constructor(options: Partial<Omit<WebhookModuleClientOptions, 'breaker'>> & { breaker?: Partial<WebhookBreakerOptions> } = {}) {
    super();
    this.options = {
      ...DefaultWebhookModuleClientOptions,
      ...options,
      breaker: { ...DefaultWebhookModuleClientOptions.breaker, ...options.breaker },
    };
    if (!Number.isInteger(this.options.maxResponseBytes) || this.options.maxResponseBytes < 1) {
      throw new RangeError(`maxResponseBytes must be a positive integer, got ${this.options.maxResponseBytes}`);
    }
    this.urlGuard = new WebhookUrlGuard({ allowList: this.options.allowList });
    this.dispatcher = new Agent({ connect: { lookup: guardedLookup(this.options.allowList) } });
    this.breakers.on('stateChanged', (info) => this.emit('stateChanged', info));
    this.breakers.on('rejected', (info) => this.emit('rejected', info));
    this.breakers.on('timeout', (info) => this.emit('timeout', info));
    this.breakers.on('failure', (info) => this.emit('failure', info));
    this.breakers.on('success', (info) => this.emit('success', info));
  }

  /** Runs `request` on `module`: its reply, `silent` (HTTP 204 or an empty reply), or the fallback text. */
  invoke(module: WebhookModule, request: WebhookRequest): Promise<WebhookOutcome> {
    return this.tracer.startActiveSpan(
      'module webhook',
      { kind: SpanKind.CLIENT, attributes: { 'parley.module.id': module.id, 'parley.command': request.command } },
      async (span) => {
        const started = performance.now();
        let outcome: WebhookOutcome;
        let error: WebhookError | undefined;
        try {
          checkModule(module);
          if (this.closed) throw new CircuitOpenError(module.id);
          const reply = await this.breakerFor(module.id).fire(module, request);
          outcome = reply ? { kind: 'reply', text: reply.text } : { kind: 'silent' };
        } catch (caught) {
          const reason: WebhookFallbackReason =
            caught instanceof CircuitOpenError ? 'open' : caught instanceof WebhookTimeoutError ? 'timeout' : 'error';
          outcome = { kind: 'fallback', text: this.options.fallbackText, reason };
          if (caught instanceof WebhookError) error = caught;
          else if (reason !== 'open') error = new WebhookTransportError(module.id, caught);
        }
        const invocation: WebhookInvocation = {
          moduleId: module.id,
          outcome: outcome.kind,
          latencyMs: performance.now() - started,
          ...(outcome.kind === 'fallback' ? { reason: outcome.reason } : {}),
          ...(error ? { error } : {}),
        };
        span.setAttribute('parley.webhook.outcome', outcome.kind);
        if (outcome.kind === 'fallback') {
          span.setAttribute('parley.webhook.fallback_reason', outcome.reason);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? `breaker ${outcome.reason}` });
          if (error) span.recordException(error);
        }
        span.end();
        this.emit('invoked', invocation);
        return outcome;
      },
    );
  }

  /** Forgets a module's breaker (the module was deleted): its state is dropped and its timers stop. */
  forget(moduleId: string): boolean {
    return this.breakers.delete(moduleId);
  }

  /** Stops every breaker's timers; later `invoke`s give the fallback (reason `open`) without calling anyone. */
  close(): void {
    this.closed = true;
    this.breakers.shutdown();
    void this.dispatcher.close().catch(() => undefined);
  }

  private breakerFor(moduleId: string): Delivery {
    return this.breakers.get(moduleId, (name): Delivery =>
      createCircuitBreaker(name, (module: WebhookModule, request: WebhookRequest) => this.deliver(module, request), {
        ...this.options.breaker,
        timeoutMs: false,
        isTimeout: (error) => error instanceof WebhookTimeoutError,
      }),
    );
  }

  /** One signed POST. Resolves to the reply, or null for "no reply"; rejects with a `WebhookError`. */
  private async deliver(module: WebhookModule, request: WebhookRequest): Promise<WebhookReply | null> {
    const payload: WebhookPayload = {
      type: 'command',
      id: request.event.id,
      command: request.command,
      args: request.args,
      communityId: request.communityId,
      event: request.event,
    };
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(this.options.now() / 1_000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.options.userAgent,
      [WebhookHeaders.timestamp]: String(timestamp),
      [WebhookHeaders.signature]: signWebhookBody(module.secret, timestamp, body),
      [WebhookHeaders.delivery]: request.event.id,
    };
    propagation.inject(context.active(), headers);

    const signal = AbortSignal.timeout(module.timeoutMs);
    const failed = (error: unknown): WebhookError =>
      signal.aborted ? new WebhookTimeoutError(module.id, module.timeoutMs) : new WebhookTransportError(module.id, error);

    // An IP literal never reaches the socket's lookup, so it is judged here; a name is judged
    // by that lookup as the socket opens (resolving it here too would cost a DNS round trip per call).
    if (isIpLiteral(new URL(module.url).hostname.replace(/^\[(.*)\]$/, '$1'))) {
      try {
        await this.urlGuard.check(module.url);
      } catch (error) {
        if (error instanceof UnsafeUrlError) throw new WebhookModuleConfigError(module.id, 'url', error.message);
        throw error;
      }
    }
    let response: Response;
    try {
      response = await fetch(module.url, { method: 'POST', headers, body, signal, redirect: 'manual', dispatcher: this.dispatcher });
    } catch (error) {
      throw failed(error);
    }
    if (response.status === 204) {
      await discard(response);
      return null;
    }
    if (response.status < 200 || response.status > 299) {
      await discard(response);
      throw new WebhookHttpError(module.id, response.status);
    }
    let text: string;
    try {
      text = await readLimited(response, this.options.maxResponseBytes);
    } catch (error) {
      if (error instanceof ResponseTooLarge) {
        throw new WebhookResponseError(module.id, 'oversize', `body exceeds ${this.options.maxResponseBytes} bytes`);
      }
      throw failed(error);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new WebhookResponseError(module.id, 'invalid-json', `body of ${Buffer.byteLength(text)} bytes is not JSON`);
    }
    const parsed = WebhookReplyBody.safeParse(json);
    if (!parsed.success) {
      throw new WebhookResponseError(module.id, 'invalid-reply', z.prettifyError(parsed.error).replace(/\n/g, '; ').slice(0, 300));
    }
    return parsed.data.reply.trim() === '' ? null : { text: parsed.data.reply };
  }
}

/** Refuses a module definition that cannot be called, without naming its URL or secret. */
function checkModule(module: WebhookModule): void {
  if (typeof module.id !== 'string' || module.id === '') throw new WebhookModuleConfigError(String(module.id), 'id', 'empty');
  if (typeof module.secret !== 'string' || module.secret === '') throw new WebhookModuleConfigError(module.id, 'secret', 'empty');
  if (!Number.isInteger(module.timeoutMs) || module.timeoutMs < 1) {
    throw new WebhookModuleConfigError(module.id, 'timeoutMs', `must be a positive integer, got ${module.timeoutMs}`);
  }
  const url = URL.parse(module.url);
  if (!url) throw new WebhookModuleConfigError(module.id, 'url', 'not a URL');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookModuleConfigError(module.id, 'url', `scheme ${url.protocol} is not http: or https:`);
  }
  if (url.username || url.password) throw new WebhookModuleConfigError(module.id, 'url', 'must not hold credentials');
}

class ResponseTooLarge extends Error {}

/** The body as text, refusing more than `maxBytes` (by Content-Length up front, else while streaming). */
async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await discard(response);
    throw new ResponseTooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new ResponseTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Drops a body we do not read, so the connection is freed. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}
