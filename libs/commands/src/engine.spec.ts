import { decodeChatAction, type ChatEvent, type Role } from '@parley/contracts';
import { describe, expect, it } from 'vitest';
import type { ChargeRequest, ChargeResult } from './command-ledger.js';
import { CommandEngine, type CommandAdmin } from './engine.js';
import type { ChannelConfig, CommandSpec } from './types.js';

function event(text: string, roles: Role[] = ['everyone'], isBot = false): ChatEvent {
  return {
    v: 1,
    id: 'twitch:m-1',
    platform: 'twitch',
    channel: { id: '100', name: 'demo' },
    author: { id: '7', name: 'ann', displayName: 'Ann', roles, isBot },
    text,
    kind: 'message',
    sentAt: '2026-11-25T10:00:00.000Z',
    receivedAt: '2026-11-25T10:00:00.005Z',
  };
}

function command(overrides: Partial<CommandSpec>): CommandSpec {
  return {
    name: 'hello',
    aliases: [],
    response: 'Hi $(user)!',
    minRole: 'everyone',
    globalCooldownSeconds: 0,
    userCooldownSeconds: 0,
    moderatorsBypassCooldown: true,
    enabled: true,
    platforms: null,
    ...overrides,
  };
}

const config = (commands: CommandSpec[] = [], extra: Partial<ChannelConfig> = {}): ChannelConfig => ({
  communityId: 'c1',
  channelId: 'ch1',
  commandPrefix: '!',
  commands,
  ...extra,
});

/** A ledger that records what it was asked and answers from a script. */
function scriptedLedger(answer: (request: ChargeRequest) => ChargeResult) {
  const requests: ChargeRequest[] = [];
  return { requests, charge: async (request: ChargeRequest) => (requests.push(request), answer(request)) };
}

describe('CommandEngine', () => {
  const engine = new CommandEngine();

  it('answers the built-in !ping with a reply to the message', async () => {
    const decision = await engine.decide(event('!ping'), config());
    expect(decision.outcome).toBe('answered');
    expect(decodeChatAction(decision.actions[0])).toMatchObject({ kind: 'reply', text: 'Pong!', targetMessageId: 'm-1', causedBy: 'twitch:m-1' });
  });

  it('gives a redelivered event the same action id', async () => {
    const [a, b] = await Promise.all([engine.decide(event('!ping'), config()), engine.decide(event('!ping'), config())]);
    expect(a.actions[0]?.id).toBe(b.actions[0]?.id);
  });

  it('answers a community command by name or alias, case-insensitively', async () => {
    const cmds = [command({ aliases: ['hi'] })];
    expect((await engine.decide(event('!HELLO'), config(cmds))).actions[0]?.text).toBe('Hi Ann!');
    expect((await engine.decide(event('!hi there'), config(cmds))).actions[0]?.text).toBe('Hi Ann!');
  });

  it('honours the community prefix', async () => {
    expect((await engine.decide(event('!ping'), config([], { commandPrefix: '?' }))).outcome).toBe('not-a-command');
    expect((await engine.decide(event('?ping'), config([], { commandPrefix: '?' }))).outcome).toBe('answered');
  });

  it('denies a viewer below the minimum role without charging anything', async () => {
    const ledger = scriptedLedger(() => ({ charged: true, count: 1 }));
    const charged = new CommandEngine({ ledger });
    const cmds = [command({ minRole: 'moderator', globalCooldownSeconds: 30 })];
    expect((await charged.decide(event('!hello', ['everyone', 'subscriber']), config(cmds))).outcome).toBe('denied');
    expect(ledger.requests).toHaveLength(0);
    expect((await charged.decide(event('!hello', ['everyone', 'broadcaster']), config(cmds))).outcome).toBe('answered');
    expect(ledger.requests).toHaveLength(1);
  });

  it('never answers a bot, itself included', async () => {
    expect((await engine.decide(event('!ping', ['everyone'], true), config())).actions).toEqual([]);
  });

  it('respects disabled commands, platform lists and channel lists', async () => {
    expect((await engine.decide(event('!hello'), config([command({ enabled: false })]))).outcome).toBe('disabled');
    expect((await engine.decide(event('!hello'), config([command({ platforms: ['discord'] })]))).outcome).toBe('disabled');
    expect((await engine.decide(event('!hello'), config([command({ channelIds: ['other'] })]))).outcome).toBe('disabled');
    expect((await engine.decide(event('!hello'), config([command({ channelIds: ['ch1'] })]))).outcome).toBe('answered');
  });

  it('ignores chatter and unknown commands', async () => {
    expect((await engine.decide(event('hello everyone'), config())).outcome).toBe('not-a-command');
    expect((await engine.decide(event('!nope'), config())).outcome).toBe('unknown-command');
  });

  describe('cooldowns and counters', () => {
    it('passes the cooldowns, bypass and counting to the ledger and renders the count', async () => {
      const ledger = scriptedLedger(() => ({ charged: true, count: 42 }));
      const cmds = [command({ response: 'deaths: $(count)', globalCooldownSeconds: 5, userCooldownSeconds: 60 })];
      const decision = await new CommandEngine({ ledger }).decide(event('!hello', ['everyone', 'moderator']), config(cmds));
      expect(decision.actions[0]?.text).toBe('deaths: 42');
      expect(ledger.requests[0]).toMatchObject({ globalCooldownMs: 5_000, userCooldownMs: 60_000, bypassCooldown: true, count: true, eventId: 'twitch:m-1' });
    });

    it('is silent on cooldown unless the community wants a notice, and the notice is rate-limited', async () => {
      const ledger = scriptedLedger(() => ({ charged: false, scope: 'global', retryAfterMs: 4_200 }));
      const cmds = [command({ globalCooldownSeconds: 30 })];
      expect(await new CommandEngine({ ledger }).decide(event('!hello'), config(cmds))).toMatchObject({ outcome: 'cooldown', actions: [] });

      let allowNotice = true;
      const noticing = new CommandEngine({ ledger, mayNotifyCooldown: async () => allowNotice });
      const notice = await noticing.decide(event('!hello'), config(cmds, { cooldownNotice: true }));
      expect(notice.actions[0]?.text).toBe('@Ann !hello is on cooldown for 5s.');
      allowNotice = false;
      expect((await noticing.decide(event('!hello'), config(cmds, { cooldownNotice: true }))).actions).toEqual([]);
    });
  });

  it('stops answering an author who exhausted the answer budget, before charging anything', async () => {
    const ledger = scriptedLedger(() => ({ charged: true, count: 1 }));
    let budget = 2;
    const guarded = new CommandEngine({ ledger, answerBudget: async () => budget-- > 0 });
    const cmds = [command({})];
    expect((await guarded.decide(event('!hello'), config(cmds))).outcome).toBe('answered');
    expect((await guarded.decide(event('!ping'), config(cmds))).outcome).toBe('answered');
    expect(await guarded.decide(event('!hello'), config(cmds))).toMatchObject({ outcome: 'throttled', actions: [] });
    expect(ledger.requests).toHaveLength(1);
    // Chatter never spends the budget.
    expect((await guarded.decide(event('just chatting'), config(cmds))).outcome).toBe('not-a-command');
  });

  describe('!commands', () => {
    it('lists only what this viewer may run here', async () => {
      const cmds = [command({ name: 'hello' }), command({ name: 'modonly', minRole: 'moderator' }), command({ name: 'off', enabled: false })];
      expect((await engine.decide(event('!commands'), config(cmds))).actions[0]?.text).toBe('Commands: !hello');
      expect((await engine.decide(event('!commands', ['moderator']), config(cmds))).actions[0]?.text).toBe('Commands: !hello !modonly');
    });
  });

  describe('command management from chat', () => {
    function recordingAdmin(): CommandAdmin & { calls: string[] } {
      const calls: string[] = [];
      return {
        calls,
        add: async (_c, name, response) => (calls.push(`add ${name} ${response}`), name === 'taken' ? 'exists' : 'added'),
        edit: async (_c, name, response) => (calls.push(`edit ${name} ${response}`), 'edited'),
        remove: async (_c, name) => (calls.push(`remove ${name}`), 'missing'),
      };
    }

    it('lets moderators add, edit and delete commands', async () => {
      const admin = recordingAdmin();
      const managing = new CommandEngine({ admin });
      const mod: Role[] = ['everyone', 'moderator'];
      expect((await managing.decide(event('!addcom !Discord Join us at $(1)', mod), config())).actions[0]?.text).toBe('Added !discord.');
      expect((await managing.decide(event('!addcom taken x', mod), config())).actions[0]?.text).toMatch(/already exists/);
      expect((await managing.decide(event('!editcom discord New text', mod), config())).actions[0]?.text).toBe('Updated !discord.');
      expect((await managing.decide(event('!delcom ghost', mod), config())).actions[0]?.text).toBe('There is no !ghost.');
      expect(admin.calls).toEqual(['add discord Join us at $(1)', 'add taken x', 'edit discord New text', 'remove ghost']);
    });

    it('refuses viewers, bad names and built-in names', async () => {
      const admin = recordingAdmin();
      const managing = new CommandEngine({ admin });
      expect((await managing.decide(event('!addcom x y'), config())).outcome).toBe('denied');
      expect((await managing.decide(event('!addcom bad-name! y', ['moderator']), config())).actions[0]?.text).toMatch(/^Usage/);
      expect((await managing.decide(event('!addcom ping y', ['moderator']), config())).actions[0]?.text).toBe('!ping is built in.');
      expect(admin.calls).toEqual([]);
    });
  });

  describe('webhook modules', () => {
    const module = { id: 'mod-1', url: 'http://127.0.0.1:1/hook', secret: 's', timeoutMs: 500 };

    it('answers with the module reply, sanitised for the platform', async () => {
      const modules = { invoke: async () => ({ kind: 'reply' as const, text: '/ban someone\nnow' }) };
      const decision = await new CommandEngine({ modules }).decide(event('!hello'), config([command({ moduleId: 'mod-1' })], { modules: [module] }));
      expect(decision.outcome).toBe('answered');
      expect(decision.actions[0]?.text).toBe('\u200b/ban someone now');
    });

    it('gives the fallback when the module fails', async () => {
      const modules = { invoke: async () => ({ kind: 'fallback' as const, text: 'unavailable' }) };
      const decision = await new CommandEngine({ modules }).decide(event('!hello'), config([command({ moduleId: 'mod-1' })], { modules: [module] }));
      expect(decision).toMatchObject({ outcome: 'error', actions: [{ text: 'unavailable' }] });
    });
  });
});
