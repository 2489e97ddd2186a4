import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { alertRulesFile, loadAlertRules } from './alert-rules.js';
import { debianBinary, repoRoot } from './tools.js';

const run = promisify(execFile);
const testFile = join(repoRoot, 'ops', 'rules', 'alerts.test.yaml');
const workDir = mkdtempSync(join(tmpdir(), 'parley-rules-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface RuleTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: { exp_labels: object; exp_annotations?: Record<string, string> }[] }[] }[];
}

describe('alert rules', () => {
  const promtool = debianBinary('promtool');
  const rules = loadAlertRules();

  it('pass promtool check rules', async () => {
    const { stdout } = await run(promtool, ['check', 'rules', alertRulesFile]);
    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('each carry a summary, a description and a runbook', () => {
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules) {
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      expect(rule.annotations.runbook, rule.alert).toBeTruthy();
      expect(rule.labels?.severity, rule.alert).toMatch(/^(warning|critical)$/);
    }
  });

  it('fire on the series that should fire them and not on the others (promtool test rules)', async () => {
    const tests = parse(readFileSync(testFile, 'utf8')) as RuleTests;
    // Every alert is tested, both ways.
    const tested = new Set(tests.tests.flatMap((test) => (test.alert_rule_test ?? []).map((check) => check.alertname)));
    expect([...tested].sort()).toEqual(rules.map((rule) => rule.alert).sort());
    for (const rule of rules) {
      const checks = tests.tests.flatMap((test) => test.alert_rule_test ?? []).filter((check) => check.alertname === rule.alert);
      expect(checks.some((check) => check.exp_alerts.length > 0), `${rule.alert} fires somewhere`).toBe(true);
    }
    // The rule's constant texts are added here, so the test file states only what varies.
    const byName = new Map(rules.map((rule) => [rule.alert, rule]));
    for (const check of tests.tests.flatMap((test) => test.alert_rule_test ?? [])) {
      const { description, runbook } = byName.get(check.alertname)!.annotations;
      for (const expected of check.exp_alerts) expected.exp_annotations = { ...expected.exp_annotations, description, runbook };
    }
    tests.rule_files = [alertRulesFile];
    const completed = join(workDir, 'alerts.test.yaml');
    writeFileSync(completed, stringify(tests, { lineWidth: 0 }));
    const result = await run(promtool, ['test', 'rules', completed]).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
  });
});
