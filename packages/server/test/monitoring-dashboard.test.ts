import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allPanels, deployPath, readDashboard, readYaml } from './support/monitoring.ts';

/**
 * deploy/grafana as Grafana loads it, without a Grafana: the dashboard's shape (no Grafana here
 * to load it), and the provisioning that loads it. Its queries are checked against the server in
 * monitoring-metrics.test.ts and parsed by promtool in monitoring-rules.test.ts.
 */
const dashboard = readDashboard();
const panels = allPanels(dashboard.panels);
// Grafana's variable syntax, meant literally (\${ in a template literal is the text ${).
const DATASOURCE = `\${datasource}`;

describe('the Grafana dashboard', () => {
  it('is a dashboard of this schema, with a fixed uid, and a Prometheus datasource variable', () => {
    assert.equal(dashboard.schemaVersion, 39);
    assert.match(dashboard.uid, /^[\w-]{1,40}$/, 'a fixed uid, so links to it survive a reload');
    const variable = dashboard.templating.list.find((v) => v.name === 'datasource');
    assert.equal(variable?.type, 'datasource');
    assert.equal(variable?.query, 'prometheus');
  });

  it("every panel and every query uses the datasource variable, never one instance's uid", () => {
    for (const panel of panels) {
      if (panel.type === 'row') continue;
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: DATASOURCE }, panel.title);
      assert.ok((panel.targets ?? []).length > 0, `${panel.title} has a query`);
      for (const target of panel.targets ?? [])
        assert.deepEqual(target.datasource, { type: 'prometheus', uid: DATASOURCE }, panel.title);
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: refIds are unique`);
    }
    for (const variable of dashboard.templating.list)
      if (variable.type === 'query') assert.equal(variable.datasource?.uid, DATASOURCE, variable.name);
  });

  it('panel ids are unique and no two panels overlap on the 24-column grid', () => {
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length);
    for (const [i, a] of panels.entries()) {
      const { x, y, w, h } = a.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${a.title}: ${JSON.stringify(a.gridPos)}`);
      for (const b of panels.slice(i + 1)) {
        const apart =
          x + w <= b.gridPos.x ||
          b.gridPos.x + b.gridPos.w <= x ||
          y + h <= b.gridPos.y ||
          b.gridPos.y + b.gridPos.h <= y;
        assert.ok(apart, `"${a.title}" and "${b.title}" overlap`);
      }
    }
  });

  it('has the panels the deployment needs: requests, errors, latency, workflows, logins, process', () => {
    const titles = panels.map((p) => p.title.toLowerCase()).join('\n');
    for (const needed of [
      'request rate',
      'error rate',
      'latency p50 / p99',
      'task dispatch latency',
      'logins',
      'cpu',
      'memory',
    ])
      assert.ok(titles.includes(needed), needed);
  });
});

describe('the Grafana provisioning', () => {
  it('provides a default Prometheus datasource, at the compose service of deploy/prometheus', () => {
    const { datasources } = readYaml(deployPath('grafana', 'provisioning', 'datasources', 'prometheus.yaml')) as {
      datasources: { type: string; url: string; isDefault?: boolean }[];
    };
    assert.equal(datasources.length, 1);
    assert.equal(datasources[0]?.type, 'prometheus');
    assert.equal(datasources[0]?.url, 'http://prometheus:9090');
    assert.equal(datasources[0]?.isDefault, true);
  });

  it('loads dashboards from one folder, as files Grafana does not let anyone change', () => {
    const { providers } = readYaml(deployPath('grafana', 'provisioning', 'dashboards', 'aura.yaml')) as {
      providers: { type: string; allowUiUpdates?: boolean; options: { path: string } }[];
    };
    assert.equal(providers.length, 1);
    assert.equal(providers[0]?.type, 'file');
    assert.equal(providers[0]?.allowUiUpdates, false);
    assert.match(providers[0]?.options.path ?? '', /^\/[\w/.-]+$/);
  });
});
