import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { program, skipUnless } from '@aura/testing';
import { alertRules, asPromQL, dashboardQueries, deployPath, REPO_ROOT, readYaml } from './support/monitoring.ts';

/**
 * deploy/prometheus as Prometheus reads it: promtool checks the configuration and the rules, and
 * runs alerts.test.yml. Debian's `prometheus` package has promtool (.ci/run installs it).
 */
const TOKEN_FILE = '/etc/prometheus/aura-metrics-token';
const work = mkdtempSync(join(tmpdir(), 'aura-promtool-'));
after(() => rmSync(work, { recursive: true, force: true }));

function promtool(...args: string[]) {
  const run = spawnSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  const output = `${run.stdout}${run.stderr}`;
  assert.equal(run.status, 0, `promtool ${args.join(' ')} exited ${run.status}:\n${output}`);
  return output;
}

describe('deploy/prometheus with promtool', { skip: skipUnless(program('promtool', 'prometheus')) }, () => {
  for (const name of ['prometheus.yml', 'kubernetes.yml']) {
    it(`${name} is valid, and so are the rule files it names`, () => {
      // Without --syntax-only, promtool also wants the token file to exist, as Prometheus does: the
      // copy points at one here, with alerts.yml beside it as rule_files expects.
      let config = readFileSync(deployPath('prometheus', name), 'utf8');
      assert.equal(config.split(TOKEN_FILE).length, 2, `${name} names ${TOKEN_FILE} once`);
      // Debian builds Prometheus without Kubernetes discovery ("field kubernetes_sd_configs not
      // found"): promtool checks the rest of the job with a static target in its place, and the
      // discovery block is checked against Prometheus's documented fields here.
      const sd = /^ {4}kubernetes_sd_configs:\n((?: {6}.*\n)+)/m;
      const block = sd.exec(config)?.[1];
      if (block) {
        assert.match(block, /^ {6}- role: pod\n {8}namespaces:\n {10}names:\n(?: {12}- [a-z0-9-]+\n)+$/);
        config = config.replace(sd, "    static_configs:\n      - targets: ['aura-server-0:8787']\n");
      }
      const dir = mkdtempSync(join(work, 'config-'));
      const token = join(dir, 'aura-metrics-token');
      writeFileSync(token, 'metrics-token-0123456789abcdef', { mode: 0o600 });
      writeFileSync(join(dir, name), config.replace(TOKEN_FILE, token));
      copyFileSync(deployPath('prometheus', 'alerts.yml'), join(dir, 'alerts.yml'));
      const output = promtool('check', 'config', join(dir, name));
      assert.match(output, /alerts\.yml/, 'the rules were checked with the configuration');
      assert.match(output, /SUCCESS: \d+ rules found/);
      if (!block) promtool('check', 'config', '--syntax-only', `deploy/prometheus/${name}`);
    });
  }

  it('alerts.yml is valid', () => {
    assert.match(promtool('check', 'rules', 'deploy/prometheus/alerts.yml'), /SUCCESS: \d+ rules found/);
  });

  it('alerts.test.yml passes: every alert fires on its series and stays quiet on the others', () => {
    assert.match(promtool('test', 'rules', 'deploy/prometheus/alerts.test.yml'), /SUCCESS/);
  });

  it("every expression of the dashboard is PromQL that Prometheus parses (Grafana's variables filled in)", () => {
    const queries = dashboardQueries();
    assert.ok(queries.length > 10, 'the dashboard has its queries');
    // JSON is YAML: one recording rule per query, so promtool parses each and names it in an error.
    const rules = queries.map(({ where, expr }, i) => ({
      record: `dashboard:query_${i}`,
      expr: asPromQL(expr),
      labels: { where: where.replace(/[^\w ]/g, '') },
    }));
    const file = join(work, 'dashboard-rules.yml');
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
    promtool('check', 'rules', file);
  });
});

describe('alerts.yml and alerts.test.yml, read', () => {
  const rules = alertRules();
  const tests = readYaml(deployPath('prometheus', 'alerts.test.yml')) as {
    tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
  };

  it('every alert waits with `for`, says its severity and has a summary and a description', () => {
    assert.ok(rules.length > 0);
    for (const rule of rules) {
      assert.ok(rule.alert, `only alerts here, no recording rule: ${rule.record}`);
      assert.match(rule.for ?? '', /^\d+[smh]$/, `${rule.alert}: for`);
      assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert}: summary`);
      assert.ok(rule.annotations?.description, `${rule.alert}: description`);
    }
    assert.equal(new Set(rules.map((r) => r.alert)).size, rules.length, 'alert names are unique');
  });

  it('alerts.test.yml makes every alert fire at least once, and checks it quiet at least once', () => {
    const checks = tests.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of rules) {
      const own = checks.filter((c) => c.alertname === alert);
      assert.ok(
        own.some((c) => (c.exp_alerts ?? []).length > 0),
        `${alert} is never expected to fire`,
      );
      assert.ok(
        own.some((c) => (c.exp_alerts ?? []).length === 0),
        `${alert} is never expected to stay quiet`,
      );
    }
  });
});
