import { ROOT_CONTEXT, context, createTraceState, trace, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { decodePayload, decodeTimestamp, envelopeFields, fieldMap } from './fields.js';

describe('fieldMap', () => {
  it('keeps the first occurrence of a field and ignores a dangling name', () => {
    const map = fieldMap(['payload', '{"a":1}', 'ts', '5', 'payload', 'later', 'dangling']);
    expect([...map]).toEqual([
      ['payload', '{"a":1}'],
      ['ts', '5'],
    ]);
  });
});

describe('decodePayload', () => {
  it('parses JSON', () => {
    expect(decodePayload(new Map([['payload', '{"a":[1,2]}']]))).toEqual({ ok: true, payload: { a: [1, 2] } });
  });

  it('names a missing payload', () => {
    expect(decodePayload(new Map([['other', 'x']]))).toEqual({ ok: false, reason: 'malformed entry: missing payload field' });
  });

  it('names invalid JSON', () => {
    const decoded = decodePayload(new Map([['payload', '{not json']]));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toMatch(/^malformed entry: payload is not valid JSON \(.+\)$/);
  });
});

describe('decodeTimestamp', () => {
  it('reads digits only', () => {
    expect(decodeTimestamp(new Map([['ts', '1700000000000']]))).toBe(1_700_000_000_000);
    expect(decodeTimestamp(new Map([['ts', 'soon']]))).toBeUndefined();
    expect(decodeTimestamp(new Map())).toBeUndefined();
  });
});

describe('envelopeFields', () => {
  it('carries only the producer clock when no propagator is registered', () => {
    const spanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED, traceState: createTraceState('v=1') };
    const fields = context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => envelopeFields(42));
    // The global propagator is a no-op until an SDK registers one (see tracing.int.spec.ts).
    expect(fields).toEqual(['ts', '42']);
  });
});
