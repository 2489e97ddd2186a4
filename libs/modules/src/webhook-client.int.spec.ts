import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import type { ChatEvent } from '@parley/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebhookHttpError, WebhookModuleConfigError, WebhookResponseError, WebhookTimeoutError, WebhookTransportError } from './errors.js';
import { WebhookHeaders, verifyWebhookSignature } from './signature.js';
import { TestWebhookHandlers, TestWebhookServer } from './testing.js';
import type { WebhookModule, WebhookOutcome, WebhookRequest } from './types.js';
import { DefaultWebhookModuleClientOptions, WebhookModuleClient, type WebhookModuleClientEvents } from './webhook-client.js';

const SECRET = 's3cr3t-hmac-key-that-must-not-leak';
const FALLBACK = DefaultWebhookModuleClientOptions.fallbackText;

const event: ChatEvent = {
  v: 1,
  id: 'twitch:msg-1',
  platform: 'twitch',
  channel: { id: '42', name: 'demo' },
  author: { id: '7', name: 'viewer', displayName: 'Viewer', roles: ['everyone'], isBot: false },
  text: '!weather berlin',
  kind: 'message',
  sentAt: '2026-11-25T10:00:00.000Z',
  receivedAt: '2026-11-25T10:00:00.010Z',
};

let sequence = 0;
function commandRequest(): WebhookRequest {
  sequence++;
  return { event: { ...event, id: `twitch:msg-${sequence}` }, command: 'weather', args: ['berlin'], communityId: 'community-1' };
}

function moduleOn(server: TestWebhookServer, id: string, timeoutMs = 1_000): WebhookModule {
  return { id, url: server.url, secret: SECRET, timeoutMs };
}

/** Times the call from before it starts: the client's timer starts inside invoke(). */
async function timed(call: () => Promise<WebhookOutcome>): Promise<{ outcome: WebhookOutcome; ms: number }> {
  const started = performance.now();
  const outcome = await call();
  return { outcome, ms: performance.now() - started };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

type Seen = { event: keyof WebhookModuleClientEvents; info: unknown };

function recordEvents(client: WebhookModuleClient): Seen[] {
  const seen: Seen[] = [];
  for (const name of ['stateChanged', 'rejected', 'timeout', 'failure', 'success', 'invoked'] as const) {
    client.on(name, (info: unknown) => seen.push({ event: name, info }));
  }
  return seen;
}

const fallback = (reason: 'open' | 'timeout' | 'error'): WebhookOutcome => ({ kind: 'fallback', text: FALLBACK, reason });

describe('WebhookModuleClient', () => {
  const servers: TestWebhookServer[] = [];
  let client: WebhookModuleClient;
  let seen: Seen[];

  async function server(handler = TestWebhookHandlers.echo()): Promise<TestWebhookServer> {
    const started = await TestWebhookServer.start(SECRET, handler);
    servers.push(started);
    return started;
  }

  function useClient(breaker: Partial<typeof DefaultWebhookModuleClientOptions.breaker> = {}): WebhookModuleClient {
    client?.close();
    // The test webhooks listen on loopback, which only an operator's allow-list lets through.
    client = new WebhookModuleClient({
      breaker: { ...DefaultWebhookModuleClientOptions.breaker, resetTimeoutMs: 300, ...breaker },
      allowList: ['127.0.0.1', 'localhost'],
    });
    seen = recordEvents(client);
    return client;
  }

  beforeEach(() => {
    useClient();
  });

  afterEach(async () => {
    client.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
    // Whatever happened, the module secret is in no event and no error.
    expect(inspect(seen, { depth: 10, showHidden: true })).not.toContain(SECRET);
  });

  it('POSTs a signed command and returns the reply', async () => {
    const hook = await server();
    const request = commandRequest();
    const outcome = await client.invoke(moduleOn(hook, 'weather'), request);
    expect(outcome).toEqual({ kind: 'reply', text: 'weather berlin' });

    expect(hook.received).toHaveLength(1);
    const [received] = hook.received;
    expect(received!.method).toBe('POST');
    expect(received!.signatureValid).toBe(true);
    expect(received!.headers['content-type']).toBe('application/json');
    expect(received!.headers['user-agent']).toBe('parley-webhooks/1');
    expect(received!.headers[WebhookHeaders.delivery]).toBe(request.event.id);
    const timestamp = Number(received!.headers[WebhookHeaders.timestamp]);
    expect(Math.abs(timestamp - Date.now() / 1_000)).toBeLessThan(5);
    expect(JSON.parse(received!.body.toString('utf8'))).toEqual({
      type: 'command',
      id: request.event.id,
      command: 'weather',
      args: ['berlin'],
      communityId: 'community-1',
      event: request.event,
    });

    const signature = received!.headers[WebhookHeaders.signature] as string;
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, timestamp, received!.body, signature)).toBe(true);
    const tampered = received!.body.toString('utf8').replace('berlin', 'paris');
    expect(verifyWebhookSignature(SECRET, timestamp, tampered, signature)).toBe(false);
    expect(verifyWebhookSignature('wrong-secret', timestamp, received!.body, signature)).toBe(false);

    expect(seen.map((s) => s.event)).toEqual(['success', 'invoked']);
    expect(seen[0]!.info).toMatchObject({ name: 'weather' });
    expect(seen[1]!.info).toMatchObject({ moduleId: 'weather', outcome: 'reply' });
  });

  it('gives a timeout fallback within the module timeout, then opens and stops calling a hanging webhook', async () => {
    useClient({ resetTimeoutMs: 60_000 }); // open stays open while the test looks at it
    const hook = await server(TestWebhookHandlers.hang());
    // Margins hold on a machine whose cores are busy with other work; a fallback that waited
    // for the hanging webhook, or an open breaker that called it, would still miss them.
    const timeoutMs = 1_000;
    const module = moduleOn(hook, 'hanging', timeoutMs);
    for (let i = 0; i < 5; i++) {
      const { outcome, ms } = await timed(() => client.invoke(module, commandRequest()));
      expect(outcome).toEqual(fallback('timeout'));
      expect(ms).toBeGreaterThanOrEqual(timeoutMs - 5);
      expect(ms).toBeLessThan(timeoutMs + 2_000);
    }
    expect(hook.received).toHaveLength(5);
    expect(client.breakers.states()).toEqual([{ name: 'hanging', state: 'open' }]);
    expect(seen.filter((s) => s.event === 'timeout')).toHaveLength(5);
    expect(seen.filter((s) => s.event === 'failure')).toHaveLength(0);
    expect(seen).toContainEqual({ event: 'stateChanged', info: { name: 'hanging', state: 'open' } });
    const invoked = seen.filter((s) => s.event === 'invoked').map((s) => s.info as { error?: unknown });
    expect(invoked.every((info) => info.error instanceof WebhookTimeoutError)).toBe(true);

    for (let i = 0; i < 10; i++) {
      const { outcome, ms } = await timed(() => client.invoke(module, commandRequest()));
      expect(outcome).toEqual(fallback('open'));
      expect(ms).toBeLessThan(timeoutMs / 2);
    }
    await sleep(50);
    expect(hook.received).toHaveLength(5);
    expect(seen.filter((s) => s.event === 'rejected')).toHaveLength(10);
  });

  it('opens on a webhook answering 500 once the configured volume is reached', async () => {
    useClient({ volumeThreshold: 3 });
    const hook = await server(TestWebhookHandlers.status(500, 'oops'));
    const module = moduleOn(hook, 'broken');
    for (let i = 0; i < 2; i++) {
      expect(await client.invoke(module, commandRequest())).toEqual(fallback('error'));
      expect(client.breakers.states()).toEqual([{ name: 'broken', state: 'closed' }]);
    }
    expect(await client.invoke(module, commandRequest())).toEqual(fallback('error'));
    expect(client.breakers.states()).toEqual([{ name: 'broken', state: 'open' }]);
    expect(await client.invoke(module, commandRequest())).toEqual(fallback('open'));
    expect(hook.received).toHaveLength(3);

    const errors = seen.filter((s) => s.event === 'invoked').map((s) => (s.info as { error?: unknown }).error);
    expect(errors.slice(0, 3).every((error) => error instanceof WebhookHttpError && error.status === 500)).toBe(true);
    expect(errors[3]).toBeUndefined();
    expect(seen.filter((s) => s.event === 'failure')).toHaveLength(3);
  });

  it('half-opens after resetTimeoutMs, lets one trial through and closes when it succeeds', async () => {
    const hook = await server(TestWebhookHandlers.status(500));
    const module = moduleOn(hook, 'flaky');
    for (let i = 0; i < 5; i++) expect(await client.invoke(module, commandRequest())).toEqual(fallback('error'));
    hook.handler = TestWebhookHandlers.reply('back again');
    expect(await client.invoke(module, commandRequest())).toEqual(fallback('open'));
    expect(hook.received).toHaveLength(5);

    await sleep(350);
    expect(client.breakers.states()).toEqual([{ name: 'flaky', state: 'half-open' }]);
    const outcomes = await Promise.all([client.invoke(module, commandRequest()), client.invoke(module, commandRequest())]);
    expect(outcomes).toEqual([{ kind: 'reply', text: 'back again' }, fallback('open')]);
    expect(hook.received).toHaveLength(6);

    const states = seen.filter((s) => s.event === 'stateChanged').map((s) => (s.info as { state: string }).state);
    expect(states).toEqual(['open', 'half-open', 'closed']);
    expect(await client.invoke(module, commandRequest())).toEqual({ kind: 'reply', text: 'back again' });
  });

  it('keeps other webhooks fast while one hangs and while its breaker is open', async () => {
    // A's breaker stays open through the whole test, however slow a busy machine makes it.
    useClient({ resetTimeoutMs: 60_000 });
    const slow = await server(TestWebhookHandlers.hang());
    const fast = await server(TestWebhookHandlers.echo());
    const timeoutMs = 800;
    const a = moduleOn(slow, 'A', timeoutMs);
    // B's own timeout is long: on a busy machine a slow answer from B must not be a timeout.
    const b = moduleOn(fast, 'B', 10_000);
    // Waiting behind A would cost a call to B about A's timeout; half of it is far from that
    // and still holds on a machine whose cores are busy with other work.
    const unblocked = timeoutMs / 2;

    const hanging = Array.from({ length: 5 }, () => client.invoke(a, commandRequest()));
    const whileHanging: number[] = [];
    for (let i = 0; i < 20; i++) {
      const { outcome, ms } = await timed(() => client.invoke(b, commandRequest()));
      expect(outcome).toEqual({ kind: 'reply', text: 'weather berlin' });
      whileHanging.push(ms);
    }
    expect(median(whileHanging)).toBeLessThan(unblocked);
    expect(await Promise.all(hanging)).toEqual(Array.from({ length: 5 }, () => fallback('timeout')));

    const whileOpen: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [fromA, fromB] = await Promise.all([timed(() => client.invoke(a, commandRequest())), timed(() => client.invoke(b, commandRequest()))]);
      expect(fromA.outcome).toEqual(fallback('open'));
      expect(fromA.ms).toBeLessThan(unblocked);
      expect(fromB.outcome).toEqual({ kind: 'reply', text: 'weather berlin' });
      whileOpen.push(fromB.ms);
    }
    expect(median(whileOpen)).toBeLessThan(unblocked);
    expect(client.breakers.states()).toEqual([
      { name: 'A', state: 'open' },
      { name: 'B', state: 'closed' },
    ]);
    expect(slow.received).toHaveLength(5);
    expect(fast.received).toHaveLength(40);
  });

  describe('answers', () => {
    beforeEach(() => {
      useClient({ volumeThreshold: 1_000 }); // never open: each case is about one answer
    });

    async function invokeWith(handler: Parameters<typeof TestWebhookServer.start>[1], timeoutMs = 1_000) {
      const hook = await server(handler);
      const outcome = await client.invoke(moduleOn(hook, 'answers', timeoutMs), commandRequest());
      const invoked = seen.filter((s) => s.event === 'invoked').at(-1)!.info as { error?: unknown };
      return { outcome, error: invoked.error, hook };
    }

    it('204 is silent, and so is an empty reply', async () => {
      expect((await invokeWith(TestWebhookHandlers.status(204))).outcome).toEqual({ kind: 'silent' });
      expect((await invokeWith(TestWebhookHandlers.reply(''))).outcome).toEqual({ kind: 'silent' });
      expect(seen.filter((s) => s.event === 'success')).toHaveLength(2);
    });

    it('takes a reply of exactly the maximum length and ignores unknown fields', async () => {
      const text = 'x'.repeat(2_000);
      const { outcome } = await invokeWith(TestWebhookHandlers.raw(JSON.stringify({ reply: text, future: true })));
      expect(outcome).toEqual({ kind: 'reply', text });
    });

    it('an oversize body is an error, declared or streamed', async () => {
      const big = JSON.stringify({ reply: 'y'.repeat(1_000) }).padEnd(20_000, ' ');
      const declared = await invokeWith(TestWebhookHandlers.raw(big));
      expect(declared.outcome).toEqual(fallback('error'));
      expect(declared.error).toBeInstanceOf(WebhookResponseError);
      expect((declared.error as WebhookResponseError).problem).toBe('oversize');

      const streamed = await invokeWith((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }); // chunked, no Content-Length
        for (let i = 0; i < 20; i++) response.write(' '.repeat(1_000));
        response.end('{"reply":"late"}');
      });
      expect(streamed.outcome).toEqual(fallback('error'));
      expect((streamed.error as WebhookResponseError).problem).toBe('oversize');
    });

    it('invalid JSON, a wrong shape or a too long reply is an error', async () => {
      const cases = [
        { body: 'not json', problem: 'invalid-json' },
        { body: '', problem: 'invalid-json' },
        { body: JSON.stringify({ text: 'hi' }), problem: 'invalid-reply' },
        { body: JSON.stringify({ reply: 42 }), problem: 'invalid-reply' },
        { body: JSON.stringify({ reply: 'z'.repeat(2_001) }), problem: 'invalid-reply' },
      ];
      for (const { body, problem } of cases) {
        const { outcome, error } = await invokeWith(TestWebhookHandlers.raw(body));
        expect(outcome).toEqual(fallback('error'));
        expect(error).toBeInstanceOf(WebhookResponseError);
        expect((error as WebhookResponseError).problem).toBe(problem);
      }
      expect(seen.filter((s) => s.event === 'failure')).toHaveLength(cases.length);
    });

    it('a body that stops halfway is a timeout', async () => {
      const { outcome, error } = await invokeWith(TestWebhookHandlers.hangAfterHeaders(), 200);
      expect(outcome).toEqual(fallback('timeout'));
      expect(error).toBeInstanceOf(WebhookTimeoutError);
    });

    it('does not follow redirects: a 3xx is an error', async () => {
      const target = await server(TestWebhookHandlers.reply('redirected'));
      const { outcome, error } = await invokeWith((_request, response) => {
        response.writeHead(307, { location: target.url }).end();
      });
      expect(outcome).toEqual(fallback('error'));
      expect((error as WebhookHttpError).status).toBe(307);
      expect(target.received).toHaveLength(0);
    });

    it('a refused connection is an error with its code', async () => {
      const gone = await server();
      await gone.close();
      servers.splice(servers.indexOf(gone), 1);
      const outcome = await client.invoke(moduleOn(gone, 'gone'), commandRequest());
      expect(outcome).toEqual(fallback('error'));
      const error = (seen.at(-1)!.info as { error?: unknown }).error;
      expect(error).toBeInstanceOf(WebhookTransportError);
      expect((error as WebhookTransportError).code).toBe('ECONNREFUSED');
    });

    it('an unusable module definition is an error without a request, and names neither URL nor secret', async () => {
      const hook = await server();
      const withCredentials = { ...moduleOn(hook, 'creds'), url: hook.url.replace('http://', 'http://user:pw@') };
      for (const module of [withCredentials, { ...moduleOn(hook, 'ftp'), url: 'ftp://example.test/' }, { ...moduleOn(hook, 'nosecret'), secret: '' }]) {
        expect(await client.invoke(module, commandRequest())).toEqual(fallback('error'));
        const error = (seen.at(-1)!.info as { error?: unknown }).error;
        expect(error).toBeInstanceOf(WebhookModuleConfigError);
        expect(String(error)).not.toContain('user:pw');
      }
      expect(hook.received).toHaveLength(0);
      expect(client.breakers.states()).toEqual([]);
    });
  });

  it('after close() every invoke is a fallback and nothing is called', async () => {
    const hook = await server();
    client.close();
    expect(await client.invoke(moduleOn(hook, 'closed'), commandRequest())).toEqual(fallback('open'));
    expect(hook.received).toHaveLength(0);
  });

  it('refuses a webhook on a private address unless the operator allow-lists it, and checks names as it connects', async () => {
    const hook = await server();
    const strict = new WebhookModuleClient();
    try {
      const literal = await strict.invoke(moduleOn(hook, 'loopback-literal', 1_000), commandRequest());
      expect(literal).toMatchObject({ kind: 'fallback', reason: 'error' });
      // A name that resolves to loopback: refused by the socket's lookup as the connection opens.
      const named = await strict.invoke({ ...moduleOn(hook, 'loopback-name', 1_000), url: hook.url.replace('127.0.0.1', 'localhost') }, commandRequest());
      expect(named).toMatchObject({ kind: 'fallback', reason: 'error' });
      expect(hook.received).toHaveLength(0);
    } finally {
      strict.close();
    }
    const allowed = await client.invoke({ ...moduleOn(hook, 'allow-listed', 1_000), url: hook.url.replace('127.0.0.1', 'localhost') }, commandRequest());
    expect(allowed.kind).not.toBe('fallback');
    expect(hook.received).toHaveLength(1);
  });
});
