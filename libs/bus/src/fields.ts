import { ROOT_CONTEXT, context, propagation, type Context } from '@opentelemetry/api';

/** Field names of a bus entry, in the order the producer writes them. */
export const EntryField = {
  payload: 'payload',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  ts: 'ts',
} as const;

/** Field names of a dead-letter entry. */
export const DeadLetterField = {
  stream: 'stream',
  id: 'id',
  group: 'group',
  reason: 'reason',
  deliveryCount: 'deliveryCount',
  payload: 'payload',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  ts: 'ts',
} as const;

/**
 * The fields every message of one publish call shares, flattened as field, value, ...:
 * the W3C trace context of the caller's active span (when there is one and a propagator
 * is registered) and the producer's clock.
 */
export function envelopeFields(now: number = Date.now()): string[] {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const fields: string[] = [];
  if (carrier.traceparent) fields.push(EntryField.traceparent, carrier.traceparent);
  if (carrier.tracestate) fields.push(EntryField.tracestate, carrier.tracestate);
  fields.push(EntryField.ts, String(now));
  return fields;
}

/** Redis answers fields as a flat list; the first occurrence of a field wins. */
export function fieldMap(flat: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const field = flat[i]!;
    if (!map.has(field)) map.set(field, flat[i + 1]!);
  }
  return map;
}

/** The producer's trace context as the parent for the consumer's span. */
export function extractTraceContext(fields: Map<string, string>): Context {
  const carrier: Record<string, string> = {};
  const traceparent = fields.get(EntryField.traceparent);
  const tracestate = fields.get(EntryField.tracestate);
  if (traceparent) carrier.traceparent = traceparent;
  if (tracestate) carrier.tracestate = tracestate;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

export type DecodedPayload = { ok: true; payload: unknown } | { ok: false; reason: string };

/** Parses the `payload` field; a missing or non-JSON payload gives the dead-letter reason. */
export function decodePayload(fields: Map<string, string>): DecodedPayload {
  const raw = fields.get(EntryField.payload);
  if (raw === undefined) return { ok: false, reason: 'malformed entry: missing payload field' };
  try {
    return { ok: true, payload: JSON.parse(raw) };
  } catch (error) {
    return { ok: false, reason: `malformed entry: payload is not valid JSON (${(error as Error).message})` };
  }
}

/** The producer's `ts` field as a number, when it is one. */
export function decodeTimestamp(fields: Map<string, string>): number | undefined {
  const raw = fields.get(EntryField.ts);
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}
