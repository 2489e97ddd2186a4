import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from './signature.js';

const secret = 'module-secret';
const body = '{"type":"command","id":"twitch:1"}';
const now = 1_800_000_000;

describe('webhook signatures', () => {
  it('signs "v1:<timestamp>:<body>" with HMAC-SHA256, hex, prefixed v1=', () => {
    const expected = createHmac('sha256', secret).update(`v1:${now}:${body}`).digest('hex');
    expect(signWebhookBody(secret, now, body)).toBe(`v1=${expected}`);
    expect(signWebhookBody(secret, String(now), Buffer.from(body))).toBe(`v1=${expected}`);
  });

  it('accepts its own signature, from a string or the raw bytes', () => {
    const signature = signWebhookBody(secret, now, body);
    expect(verifyWebhookSignature(secret, String(now), body, signature, now)).toBe(true);
    expect(verifyWebhookSignature(secret, now, Buffer.from(body), signature.toUpperCase().replace('V1=', 'v1='), now)).toBe(true);
  });

  it('refuses a tampered body, another secret or another timestamp', () => {
    const signature = signWebhookBody(secret, now, body);
    expect(verifyWebhookSignature(secret, now, body.replace('twitch:1', 'twitch:2'), signature, now)).toBe(false);
    expect(verifyWebhookSignature('other-secret', now, body, signature, now)).toBe(false);
    expect(verifyWebhookSignature(secret, now + 1, body, signature, now)).toBe(false);
  });

  it('refuses timestamps outside the tolerance, either way', () => {
    const old = now - 301;
    expect(verifyWebhookSignature(secret, old, body, signWebhookBody(secret, old, body), now)).toBe(false);
    const future = now + 301;
    expect(verifyWebhookSignature(secret, future, body, signWebhookBody(secret, future, body), now)).toBe(false);
    const edge = now - 300;
    expect(verifyWebhookSignature(secret, edge, body, signWebhookBody(secret, edge, body), now)).toBe(true);
    expect(verifyWebhookSignature(secret, old, body, signWebhookBody(secret, old, body), now, 600)).toBe(true);
  });

  it('refuses missing or malformed headers without throwing', () => {
    const signature = signWebhookBody(secret, now, body);
    expect(verifyWebhookSignature(secret, undefined, body, signature, now)).toBe(false);
    expect(verifyWebhookSignature(secret, 'yesterday', body, signature, now)).toBe(false);
    expect(verifyWebhookSignature(secret, now, body, undefined, now)).toBe(false);
    expect(verifyWebhookSignature(secret, now, body, signature.slice(3), now)).toBe(false);
    expect(verifyWebhookSignature(secret, now, body, signature.slice(0, -2), now)).toBe(false);
    expect(verifyWebhookSignature(secret, now, body, signature.replace('v1=', 'v0='), now)).toBe(false);
  });
});
