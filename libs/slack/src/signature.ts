import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack refuses to be trusted for requests older (or newer) than this. */
export const SLACK_SIGNATURE_TOLERANCE_SECONDS = 300;

export type SlackSignatureVerdict = 'ok' | 'missing' | 'stale' | 'mismatch';

/** `v0=<hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body)>`: what Slack sends in `X-Slack-Signature`. */
export function signSlackRequest(rawBody: Buffer | string, timestamp: string, signingSecret: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
}

/**
 * Checks a request's `X-Slack-Request-Timestamp` and `X-Slack-Signature` over the raw bytes
 * (never a re-serialised body), refusing timestamps more than five minutes from `nowMs`
 * (replays) and comparing in constant time. Hand-written: Slack's own check lives inside
 * @slack/bolt's HTTP receiver, a framework Parley does not otherwise use; this is the
 * whole of it.
 */
export function verifySlackSignature(
  request: { rawBody: Buffer; timestamp: string | undefined; signature: string | undefined },
  signingSecret: string,
  nowMs = Date.now(),
): SlackSignatureVerdict {
  const { rawBody, timestamp, signature } = request;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_SIGNATURE_TOLERANCE_SECONDS) return 'stale';
  const expected = Buffer.from(signSlackRequest(rawBody, timestamp, signingSecret));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'ok' : 'mismatch';
}
