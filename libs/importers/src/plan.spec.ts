import { describe, expect, it } from 'vitest';
import type { AnyCandidate } from './candidates.js';
import type { CommunityContent, PortableCommand } from './document.js';
import { planImport, type CommunitySnapshot } from './plan.js';

const command = (name: string, extra: Partial<PortableCommand> = {}): PortableCommand => ({
  name,
  aliases: [],
  response: `${name}!`,
  minRole: 'everyone',
  globalCooldownSeconds: 0,
  userCooldownSeconds: 0,
  moderatorsBypassCooldown: true,
  enabled: true,
  platforms: null,
  channels: null,
  module: null,
  ...extra,
});
const candidate = (fields: PortableCommand): AnyCandidate => ({ kind: 'command', key: fields.name, ref: `!${fields.name}`, fields, reason: null, inert: [], notes: [], original: null });
const snapshot = (commands: PortableCommand[], provenance: Array<[string, { source: 'nightbot' | 'parley'; written: unknown }]> = []): CommunitySnapshot => {
  const content: CommunityContent = { settings: { commandPrefix: '!', cooldownNotice: false }, channels: [], webhookModules: [], moduleSettings: [], commands, timers: [], quotes: [], counters: [] };
  return { content, provenance: new Map(provenance), foreignChannels: new Set() };
};

describe('planImport', () => {
  it('creates what is missing, leaves what is equal, and updates only rows it imported itself and nobody edited since', () => {
    const plan = planImport(
      'nightbot',
      [
        candidate(command('new')),
        candidate(command('same')),
        candidate(command('mine', { response: 'changed' })),
        candidate(command('theirs', { response: 'changed' })),
        candidate(command('edited', { response: 'changed at the source' })),
      ],
      snapshot(
        [command('same'), command('mine'), command('theirs'), command('edited', { response: 'edited in Parley' })],
        [
          ['command:mine', { source: 'nightbot', written: command('mine') }],
          ['command:theirs', { source: 'parley', written: command('theirs') }],
          ['command:edited', { source: 'nightbot', written: command('edited') }],
        ],
      ),
    );
    expect(plan.items.map((item) => [item.key, item.action])).toEqual([
      ['new', 'create'],
      ['same', 'unchanged'],
      ['mine', 'update'],
      ['theirs', 'skip'],
      ['edited', 'skip'],
    ]);
    expect(plan.items[4]!.reason).toMatch(/changed in Parley since nightbot imported it/u);
    expect(plan.items[2]!.reason).toBe('changes response');
    expect(plan.items[2]!.before).toMatchObject({ response: 'mine!' });
    expect(plan.summary).toEqual({ create: 1, update: 1, unchanged: 1, skip: 2, inert: 0 });
  });

  it('never lets a name or alias answer for two commands', () => {
    const plan = planImport('nightbot', [candidate(command('hi', { aliases: ['hello', 'yo'] })), candidate(command('hey'))], snapshot([command('greet', { aliases: ['hello', 'hey'] })]));
    expect(plan.items[0]).toMatchObject({ action: 'create', fields: { aliases: ['yo'] }, notes: ['alias "hello" dropped: it already names the command greet'] });
    expect(plan.items[1]).toMatchObject({ action: 'skip', reason: '"hey" already is an alias of the command greet' });
  });

  it('has one fingerprint per set of writes, whatever the order of equal content', () => {
    const base = snapshot([]);
    const a = planImport('nightbot', [candidate(command('x', { aliases: ['b', 'a'] }))], base);
    const b = planImport('nightbot', [candidate(command('x', { aliases: ['b', 'a'] }))], base);
    const c = planImport('nightbot', [candidate(command('x', { aliases: ['a'] }))], base);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.fingerprint).not.toBe(c.fingerprint);
  });
});
