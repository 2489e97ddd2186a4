import { describe, expect, it } from 'vitest';
import { signSlackRequest, verifySlackSignature } from './signature.js';

const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const body = Buffer.from('token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fweather');
const now = 1_531_420_618_000;

describe('Slack request signatures', () => {
  it("matches Slack's documented example", () => {
    // The example from Slack's "Verifying requests from Slack" guide.
    const documented = Buffer.from(
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    );
    expect(signSlackRequest(documented, '1531420618', secret)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it('accepts a fresh, correctly signed request', () => {
    const signature = signSlackRequest(body, '1531420618', secret);
    expect(verifySlackSignature({ rawBody: body, timestamp: '1531420618', signature }, secret, now)).toBe('ok');
  });

  it('refuses a tampered body, a wrong secret, a stale or future timestamp, and missing headers', () => {
    const signature = signSlackRequest(body, '1531420618', secret);
    expect(verifySlackSignature({ rawBody: Buffer.concat([body, Buffer.from('x')]), timestamp: '1531420618', signature }, secret, now)).toBe('mismatch');
    expect(verifySlackSignature({ rawBody: body, timestamp: '1531420618', signature }, 'other-secret', now)).toBe('mismatch');
    expect(verifySlackSignature({ rawBody: body, timestamp: '1531420618', signature: signature.slice(0, -1) }, secret, now)).toBe('mismatch');
    expect(verifySlackSignature({ rawBody: body, timestamp: '1531420618', signature }, secret, now + 301_000)).toBe('stale');
    expect(verifySlackSignature({ rawBody: body, timestamp: '1531420618', signature }, secret, now - 301_000)).toBe('stale');
    expect(verifySlackSignature({ rawBody: body, timestamp: undefined, signature }, secret, now)).toBe('missing');
    expect(verifySlackSignature({ rawBody: body, timestamp: '1531420618', signature: undefined }, secret, now)).toBe('missing');
    expect(verifySlackSignature({ rawBody: body, timestamp: 'soon', signature }, secret, now)).toBe('missing');
  });
});
