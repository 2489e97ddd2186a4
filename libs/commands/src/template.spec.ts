import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, countersIn, renderTemplate, type TemplateContext } from './template.js';

const ctx: TemplateContext = { platform: 'twitch', user: 'Ann', channel: 'demo', args: ['@Bob', 'two'], count: 7, random: () => 0.5 };

describe('renderTemplate', () => {
  it('fills the variables viewers know', () => {
    expect(renderTemplate('$(user) hugs $(touser) in $(channel): $(2)', ctx)).toBe('Ann hugs Bob in demo: two');
    expect(renderTemplate('said: $(query)', ctx)).toBe('said: @Bob two');
    expect(renderTemplate('deaths: $(counter Deaths), wins: $(counter wins)', { ...ctx, counters: new Map([['deaths', 12]]) })).toBe('deaths: 12, wins: [no counter wins]');
    expect(countersIn('$(counter deaths) and $(counter DEATHS) and $(counter wins)')).toEqual(['deaths', 'wins']);
    expect(renderTemplate('run $(count) times', ctx)).toBe('run 7 times');
  });

  it('falls back to the caller when there is no target, and to empty for missing arguments', () => {
    expect(renderTemplate('$(touser)|$(3)|', { ...ctx, args: [] })).toBe('Ann||');
  });

  it('draws random numbers in the range, both ends included', () => {
    expect(renderTemplate('$(random 1-6)', { ...ctx, random: () => 0 })).toBe('1');
    expect(renderTemplate('$(random 1-6)', { ...ctx, random: () => 0.9999 })).toBe('6');
    expect(renderTemplate('$(random 10-1)', { ...ctx, random: () => 0 })).toBe('1');
    expect(renderTemplate('$(random)', { ...ctx, random: () => 0.999 })).toBe('100');
  });

  it('picks from a list', () => {
    expect(renderTemplate('$(pick rock|paper|scissors)', { ...ctx, random: () => 0.5 })).toBe('paper');
  });

  it('marks unknown and malformed variables instead of dropping them', () => {
    expect(renderTemplate('$(nope)', ctx)).toBe('[unknown variable: nope]');
    expect(renderTemplate('$(random lots)', ctx)).toMatch(/^\[random needs a range/);
    expect(renderTemplate('$(pick)', ctx)).toMatch(/^\[pick needs options/);
    expect(renderTemplate('$(count)', { ...ctx, count: null })).toBe('[count unavailable]');
  });

  describe('hostile input', () => {
    it('never evaluates a viewer argument that holds template syntax', () => {
      expect(renderTemplate('$(1)', { ...ctx, args: ['$(user)$(random 1-9)'] })).toBe('$(user)$(random 1-9)');
    });

    it('does not run code or reach objects through variable names', () => {
      for (const name of ['constructor', 'process', 'tostring', 'eval']) {
        expect(renderTemplate(`$(${name})`, ctx)).toBe(`[unknown variable: ${name}]`);
      }
      expect(renderTemplate('$(__proto__)', ctx)).toBe('$(__proto__)');
      expect(renderTemplate('${process.exit()} {{7*7}} <%= 1 %>', ctx)).toBe('${process.exit()} {{7*7}} <%= 1 %>');
    });

    it('bounds the output to the platform line length', () => {
      expect(renderTemplate('x'.repeat(5_000), ctx)).toHaveLength(MAX_MESSAGE_LENGTH.twitch);
      expect(renderTemplate('$(query)', { ...ctx, platform: 'youtube', args: ['y'.repeat(1_000)] })).toHaveLength(200);
    });

    it('stops substituting after a bounded number of variables', () => {
      const many = '$(user)'.repeat(200);
      const out = renderTemplate(many, { ...ctx, platform: 'slack' });
      expect(out.startsWith('Ann'.repeat(50))).toBe(true);
      expect(out).toContain('$(user)');
    });

    it('keeps the answer on one line', () => {
      expect(renderTemplate('a\r\nPRIVMSG #other :spam\nb', ctx)).toBe('a PRIVMSG #other :spam b');
    });

    it('neutralises mass mentions on Discord and Slack', () => {
      expect(renderTemplate('$(1)', { ...ctx, platform: 'discord', args: ['@everyone'] })).not.toMatch(/@everyone/);
      expect(renderTemplate('hi @here <@&123>', { ...ctx, platform: 'discord' })).not.toMatch(/@here|<@&/);
      expect(renderTemplate('$(1)', { ...ctx, platform: 'slack', args: ['<!channel>'] })).not.toContain('<!channel');
    });

    it('keeps Twitch from running the answer as a chat command', () => {
      expect(renderTemplate('$(1)', { ...ctx, args: ['/ban', 'streamer'] }).startsWith('/')).toBe(false);
      expect(renderTemplate('.timeout x', ctx).startsWith('.')).toBe(false);
    });
  });
});
