import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, startHub, type HubHarness } from './hub-support.js';

let hub: HubHarness;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub?.close());

describe('console', () => {
  it('signs in with an API key into a cookie session and lists, creates and edits commands', async () => {
    const { id, key } = await hub.community('console', ['write']);
    await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'hello', response: 'Hi <b>there</b>' } });
    const browser = new Browser(hub);
    const login = await browser.get('/console');
    expect(login.statusCode).toBe(200);
    expect(login.headers['content-security-policy']).toBe("default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    const signedIn = await browser.post('/console/login', { _csrf: browser.csrf(login.body), apiKey: key });
    expect(signedIn.statusCode).toBe(303);
    const session = String(signedIn.headers['set-cookie']);
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Strict/);
    expect(session).not.toContain(key);

    const list = await browser.get('/console/commands');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Hi &lt;b&gt;there&lt;/b&gt;');
    expect(list.body).not.toContain('<b>there</b>');

    const created = await browser.post('/console/commands', { _csrf: browser.csrf(list.body), name: 'lurk', response: 'Enjoy the lurk' });
    expect(created.statusCode).toBe(303);
    expect((await hub.request('GET', `/v1/communities/${id}/commands/lurk`, { token: key })).body.response).toBe('Enjoy the lurk');

    const edit = await browser.get('/console/commands/lurk');
    // An unticked box sends only its hidden companion.
    const saved = await browser.post('/console/commands/lurk', { _csrf: browser.csrf(edit.body), response: 'Lurk mode', enabled: '' });
    expect(saved.statusCode).toBe(303);
    const after = (await hub.request('GET', `/v1/communities/${id}/commands/lurk`, { token: key })).body;
    expect(after).toMatchObject({ response: 'Lurk mode', enabled: false });
    const audit = await hub.request('GET', `/v1/communities/${id}/audit-log?limit=200`);
    expect(audit.body.items.at(-1)).toMatchObject({ resource: 'command', action: 'update', actor: key.split('_')[1] });

    const removed = await browser.post('/console/commands/lurk/delete', { _csrf: browser.csrf(edit.body) });
    expect(removed.statusCode).toBe(303);
    expect((await hub.request('GET', `/v1/communities/${id}/commands/lurk`, { token: key })).status).toBe(404);
  });

  it('refuses a state-changing POST without the CSRF token, or with a forged one (403)', async () => {
    const { key } = await hub.community('csrf', ['write']);
    const browser = new Browser(hub);
    const login = await browser.get('/console');
    expect((await browser.post('/console/login', { apiKey: key })).statusCode).toBe(403);
    await browser.post('/console/login', { _csrf: browser.csrf(login.body), apiKey: key });
    const list = await browser.get('/console/commands');
    const missing = await browser.post('/console/commands', { name: 'x', response: 'y' });
    expect(missing.statusCode).toBe(403);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    const forged = await browser.post('/console/commands', { _csrf: `${'0'.repeat(64)}.${'1'.repeat(64)}`, name: 'x', response: 'y' });
    expect(forged.statusCode).toBe(403);
    // A token from another session does not work in this one.
    const other = new Browser(hub);
    const otherLogin = await other.get('/console');
    expect((await browser.post('/console/commands', { _csrf: other.csrf(otherLogin.body), name: 'x', response: 'y' })).statusCode).toBe(403);
    expect((await browser.post('/console/commands', { _csrf: browser.csrf(list.body), name: 'x', response: 'y' })).statusCode).toBe(303);
  });

  it('refuses a wrong key and ends the session when the key is revoked', async () => {
    const { id, key } = await hub.community('revoked-console', ['write']);
    const browser = new Browser(hub);
    const login = await browser.get('/console');
    const wrong = await browser.post('/console/login', { _csrf: browser.csrf(login.body), apiKey: `${key.slice(0, -3)}AAA` });
    expect(wrong.statusCode).toBe(401);
    await browser.post('/console/login', { _csrf: browser.csrf(wrong.body), apiKey: key });
    expect((await browser.get('/console/commands')).statusCode).toBe(200);
    const keys = await hub.request('GET', `/v1/communities/${id}/api-keys`);
    await hub.request('DELETE', `/v1/communities/${id}/api-keys/${keys.body.items[0].id}`);
    const after = await browser.get('/console/commands');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/console');
  });

  it('shows hostile names as text', async () => {
    const { id, key } = await hub.community('hostile-console', ['write']);
    const hostile = `<script>alert(1)</script>"'{{7*7}}$(user)`;
    await hub.request('POST', `/v1/communities/${id}/commands`, { token: key, body: { name: 'xss', response: hostile } });
    const browser = new Browser(hub);
    const login = await browser.get('/console');
    await browser.post('/console/login', { _csrf: browser.csrf(login.body), apiKey: key });
    const list = await browser.get('/console/commands');
    expect(list.body).not.toContain('<script>');
    expect(list.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;{{7*7}}$(user)');
    const edit = await browser.get('/console/commands/xss');
    expect(edit.body).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;{{7*7}}$(user)"');
  });
});
