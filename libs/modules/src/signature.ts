import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of a webhook request (lower-case, as `node:http` presents them). */
export const WebhookHeaders = {
  /** Unix time in seconds when the request was signed. */
  timestamp: 'x-parley-timestamp',
  /** `v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + body)>`. */
  signature: 'x-parley-signature',
  /** The chat event's id: the same on every redelivery, for the receiver's own dedupe. */
  delivery: 'x-parley-delivery',
} as const;

/** How far a timestamp may be from the receiver's clock, in seconds (Slack uses the same). */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_VERSION = 'v1';
const SIGNATURE_PATTERN = /^v1=([0-9a-fA-F]{64})$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;

function hmac(secret: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${SIGNATURE_VERSION}:${timestamp}:`).update(body).digest();
}

/** The `X-Parley-Signature` value for `body` sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `${SIGNATURE_VERSION}=${hmac(secret, String(timestamp), body).toString('hex')}`;
}

/**
 * For module authors: whether a request really comes from Parley. Checks that the
 * timestamp is within `toleranceSeconds` of `nowSeconds` (refusing replays of old
 * requests) and compares the signature in constant time. Pass the raw body bytes exactly
 * as received, not a re-serialised object.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Buffer,
  signatureHeader: string | undefined,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds: number = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const stamp = String(timestamp ?? '');
  if (!TIMESTAMP_PATTERN.test(stamp)) return false;
  if (Math.abs(nowSeconds - Number(stamp)) > toleranceSeconds) return false;
  const match = SIGNATURE_PATTERN.exec(signatureHeader ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = hmac(secret, stamp, body);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
