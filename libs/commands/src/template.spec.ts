import { describe, expect, it } from 'vitest';
import { MAX_RESPONSE_LENGTH, renderTemplate } from './template.js';

const ctx = { user: 'Ann', channel: 'demo', args: ['@Bob', 'two'] };

describe('renderTemplate', () => {
  it('fills the variables viewers know', () => {
    expect(renderTemplate('$(user) hugs $(touser) in $(channel): $(2)', ctx)).toBe('Ann hugs Bob in demo: two');
  });

  it('marks unknown variables instead of dropping them', () => {
    expect(renderTemplate('$(nope)', ctx)).toBe('[unknown variable: nope]');
  });

  it('never evaluates input: a viewer argument holding template syntax stays text', () => {
    expect(renderTemplate('$(1)', { ...ctx, args: ['$(user)'] })).toBe('$(user)');
  });

  it('bounds the output length', () => {
    expect(renderTemplate('x'.repeat(5_000), ctx)).toHaveLength(MAX_RESPONSE_LENGTH);
  });
});
