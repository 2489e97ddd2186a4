import { describe, expect, it } from 'vitest';
import { parseNightbot, parseSlcb, parseStreamElements } from './parse.js';
import { translateTemplate } from './translate.js';

describe('parsers', () => {
  it('finds the end of a Nightbot variable by counting parentheses (eval code has its own)', () => {
    const nodes = parseNightbot('/me rolls $(eval Math.floor(Math.random()*6)+1)!');
    expect(nodes).toHaveLength(3);
    expect(nodes[1]).toMatchObject({ kind: 'var', name: 'eval', argText: 'Math.floor(Math.random()*6)+1' });
    expect(nodes[2]).toEqual({ kind: 'text', text: '!' });
  });

  it('parses nested variables as arguments', () => {
    const [node] = parseNightbot('$(urlfetch https://x.invalid/$(channel)/$(user))');
    expect(node).toMatchObject({ kind: 'var', name: 'urlfetch' });
    expect(node!.kind === 'var' && node!.args.filter((arg) => arg.kind === 'var').map((arg) => (arg.kind === 'var' ? arg.name : ''))).toEqual(['channel', 'user']);
  });

  it('reads both ${} and $() in StreamElements', () => {
    const names = parseStreamElements('${sender} and $(touser) and ${1:}').flatMap((node) => (node.kind === 'var' ? [node.name] : []));
    expect(names).toEqual(['sender', 'touser', '1:']);
  });

  it('reads SLCB parameters by the longest known name and leaves "$5" as text', () => {
    const nodes = parseSlcb('$username pays $5 for $arg1, $randnum(1,21)');
    expect(nodes.flatMap((node) => (node.kind === 'var' ? [`${node.name}(${node.argText})`] : []))).toEqual(['username()', 'arg1()', 'randnum(1,21)']);
    expect(nodes.map((node) => (node.kind === 'text' ? node.text : '·')).join('')).toBe('· pays $5 for ·, ·');
  });
});

describe('translateTemplate', () => {
  it('translates what Parley has, in each dialect', () => {
    expect(translateTemplate('nightbot', '$(user) hugs $(touser) #$(count): $(query) $(1)').parley).toBe('$(user) hugs $(touser) #$(count): $(query) $(1)');
    expect(translateTemplate('streamelements', '${sender} → ${touser} ${1:} ${random 1-20} ${random.pick \'a\' \'b c\'}').parley).toBe(
      '$(user) → $(touser) $(query) $(random 1-20) $(pick a|b c)',
    );
    expect(translateTemplate('streamlabs-chatbot', '$username hugs $tousername: $msg ($randnum(1,21))').parley).toBe('$(user) hugs $(touser): $(query) ($(random 1-21))');
  });

  it('keeps the same token apart by dialect: $(user) is the caller in Nightbot and SE', () => {
    expect(translateTemplate('nightbot', '$(user)').parley).toBe('$(user)');
    expect(translateTemplate('streamelements', '$(user)').parley).toBe('$(user)');
    expect(translateTemplate('streamelements', '${user somebody}').inert).toHaveLength(1);
  });

  it('never translates code, URL fetches, file reads or point and stream changes; they leave a marker, not source syntax', () => {
    const cases: Array<[Parameters<typeof translateTemplate>[0], string]> = [
      ['nightbot', 'x $(eval process.env.SECRET) y'],
      ['nightbot', '$(urlfetch http://169.254.169.254/latest/meta-data/)'],
      ['nightbot', '$(customapi https://example.invalid)'],
      ['streamelements', '${customapi.http://169.254.169.254/}'],
      ['streamelements', '${urlfetch http://169.254.169.254/}'],
      ['streamelements', '${setgame ${1:}}'],
      ['streamelements', '${ai tell a joke}'],
      ['streamlabs-chatbot', '$readapi(http://169.254.169.254/)'],
      ['streamlabs-chatbot', '$readline(C:\\secrets.txt)'],
      ['streamlabs-chatbot', '$overwritefile("C:\\x.txt","y")'],
      ['streamlabs-chatbot', '$addpoints($userid,10)'],
    ];
    for (const [dialect, original] of cases) {
      const translation = translateTemplate(dialect, original);
      expect(translation.inert.length, original).toBeGreaterThan(0);
      expect(translation.parley, original).toMatch(/\[not imported: [a-z]+\]/u);
      expect(translation.parley, original).not.toMatch(/169\.254|process\.env|secrets|\$\(|\$\{|\$read|\$add|\$over/u);
      expect(translation.original).toBe(original);
    }
  });

  it('flags an unclosed "$(" that Parley would read as a variable', () => {
    const translation = translateTemplate('nightbot', 'price: $(5 and $(user');
    expect(translation.inert).not.toHaveLength(0);
    expect(translation.parley).not.toContain('$(');
  });

  it('notes meaning that changes although the text translates', () => {
    expect(translateTemplate('streamlabs-chatbot', 'hi $arg1').notes.join(' ')).toMatch(/missing/u);
    expect(translateTemplate('nightbot', '$(count)').notes.join(' ')).toMatch(/restarts at 0/u);
  });
});
