import { describe, expect, it } from 'vitest';
import { classifyAddress } from './address-policy.js';
import { UnsafeUrlError, WebhookUrlGuard } from './url-guard.js';

const publicLookup = async (host: string) => (host === 'example.com' ? ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] : []);

async function reason(guard: WebhookUrlGuard, url: string): Promise<string | undefined> {
  try {
    await guard.check(url);
    return undefined;
  } catch (error) {
    if (error instanceof UnsafeUrlError) return error.reason;
    throw error;
  }
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::7f00:1', 'rfc6052'],
  ])('refuses %s (%s)', (address, range) => {
    expect(classifyAddress(address)).toEqual({ allowed: false, range });
  });

  it('allows public unicast addresses', () => {
    expect(classifyAddress('93.184.215.14')).toEqual({ allowed: true });
    expect(classifyAddress('2606:4700::1111')).toEqual({ allowed: true });
  });
});

describe('WebhookUrlGuard', () => {
  const guard = new WebhookUrlGuard({ lookup: async (host) => (host.replace(/\.$/, '') === 'localhost' ? ['127.0.0.1', '::1'] : publicLookup(host)) });

  it.each([
    'http://127.0.0.1/hook',
    'http://[::1]:8080/',
    'http://[::ffff:127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0/',
    'http://10.0.0.5/',
    'http://172.16.3.4/',
    'http://192.168.0.10/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.1/',
    'http://localhost:3000/',
    'http://LOCALHOST./',
  ])('refuses %s', async (url) => {
    expect(await reason(guard, url)).toBe('forbidden-address');
  });

  it('normalises decimal and octal hosts the way fetch will', () => {
    expect(new URL('http://2130706433/').hostname).toBe('127.0.0.1');
    expect(new URL('http://0177.0.0.1/').hostname).toBe('127.0.0.1');
  });

  it('resolves real host names: localhost is loopback', async () => {
    expect(await reason(new WebhookUrlGuard(), 'http://localhost:8080/')).toBe('forbidden-address');
  });

  it('refuses other schemes, credentials, unresolvable hosts', async () => {
    expect(await reason(guard, 'file:///etc/passwd')).toBe('scheme');
    expect(await reason(guard, 'gopher://example.com/')).toBe('scheme');
    expect(await reason(guard, 'http://user:pw@example.com/')).toBe('credentials');
    expect(await reason(guard, 'http://nowhere.invalid/')).toBe('unresolvable');
    expect(await reason(guard, 'not a url')).toBe('malformed');
  });

  it('refuses a host when any of its addresses is not public', async () => {
    const rebinding = new WebhookUrlGuard({ lookup: async () => ['93.184.215.14', '10.0.0.1'] });
    expect(await reason(rebinding, 'https://mixed.example/')).toBe('forbidden-address');
  });

  it('allows public hosts, and what the operator allow-lists', async () => {
    expect(await reason(guard, 'https://example.com/hook')).toBeUndefined();
    const allowing = new WebhookUrlGuard({ allowList: ['127.0.0.1', '10.0.0.0/8', 'modules.internal'], lookup: async () => ['192.168.1.1'] });
    expect(await reason(allowing, 'http://127.0.0.1:9000/')).toBeUndefined();
    expect(await reason(allowing, 'http://[::ffff:127.0.0.1]/')).toBeUndefined();
    expect(await reason(allowing, 'http://10.20.30.40/')).toBeUndefined();
    expect(await reason(allowing, 'http://modules.internal/')).toBeUndefined();
    expect(await reason(allowing, 'http://other.internal/')).toBe('forbidden-address');
    expect(await reason(allowing, 'http://169.254.169.254/')).toBe('forbidden-address');
  });
});
