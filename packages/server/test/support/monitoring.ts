import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * What the monitoring suites read from deploy/prometheus and deploy/grafana, and the little of
 * PromQL and of Prometheus' text format they need to compare those files with a server's
 * GET /metrics. Not a PromQL parser: promtool checks the syntax; this finds the metric names and
 * label matchers, which promtool cannot hold against what the server exports.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const deployPath = (...parts: string[]) => join(REPO_ROOT, 'deploy', ...parts);

export const readYaml = (path: string): unknown => parse(readFileSync(path, 'utf8'));

export interface Matcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** One vector selector: a metric name and the matchers in its braces. */
export interface Selector {
  metric: string;
  matchers: Matcher[];
}

// Words that stand where a metric name could, but are not one.
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'atan2']);
// Modifiers whose parentheses hold label names, which would otherwise read as metric names.
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const MATCHER = /\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/y;

function endOfString(expr: string, start: number): number {
  const quote = expr[start];
  for (let i = start + 1; i < expr.length; i++) {
    if (expr[i] === '\\' && quote !== '`') i++;
    else if (expr[i] === quote) return i + 1;
  }
  throw new Error(`unterminated string at ${start} in: ${expr}`);
}

function unquote(literal: string): string {
  const body = literal.slice(1, -1);
  return literal.startsWith('`') ? body : body.replace(/\\(.)/g, '$1');
}

function closing(expr: string, start: number, close: string): number {
  const end = expr.indexOf(close, start);
  if (end < 0) throw new Error(`no "${close}" after ${start} in: ${expr}`);
  return end + 1;
}

function matchersAt(expr: string, open: number): [Matcher[], number] {
  const matchers: Matcher[] = [];
  let i = open + 1;
  for (;;) {
    while (/\s/.test(expr[i] ?? '')) i++;
    if (expr[i] === '}') return [matchers, i + 1];
    MATCHER.lastIndex = i;
    const m = MATCHER.exec(expr);
    if (!m?.[1] || !m[2] || !m[3]) throw new Error(`cannot read the label matchers at ${i} in: ${expr}`);
    matchers.push({ label: m[1], op: m[2] as Matcher['op'], value: unquote(m[3]) });
    i = MATCHER.lastIndex;
  }
}

/**
 * The vector selectors of a PromQL expression, Grafana's `$variables` allowed: an identifier is a
 * metric name unless it calls (a function or an aggregation), is a keyword, or is inside a
 * string, a range, a label list or braces.
 */
export function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  const at = (i: number) => expr[i] ?? '';
  const nextNonSpace = (from: number) => {
    let j = from;
    while (/\s/.test(at(j))) j++;
    return j;
  };
  let i = 0;
  while (i < expr.length) {
    const c = at(i);
    if (c === '#') i = expr.includes('\n', i) ? expr.indexOf('\n', i) : expr.length;
    else if (c === '"' || c === "'" || c === '`') i = endOfString(expr, i);
    else if (c === '[') i = closing(expr, i, ']');
    else if (c === '$')
      i = at(i + 1) === '{' ? closing(expr, i, '}') : i + 1 + (/^\w*/.exec(expr.slice(i + 1))?.[0].length ?? 0);
    else if (c === '{') {
      const [matchers, end] = matchersAt(expr, i);
      const name = matchers.find((m) => m.label === '__name__' && m.op === '=');
      if (name) found.push({ metric: name.value, matchers: matchers.filter((m) => m !== name) });
      i = end;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(at(i + 1)))) {
      // A number or a duration (0.99, 1e3, 0x1f, 5m): none of it is a name.
      while (/[\w.]/.test(at(i))) i++;
    } else if (/[a-zA-Z_:]/.test(c)) {
      let end = i;
      while (/[\w:]/.test(at(end))) end++;
      const word = expr.slice(i, end);
      const next = nextNonSpace(end);
      i = end;
      if (LABEL_LISTS.has(word.toLowerCase())) {
        if (at(next) === '(') i = closing(expr, next, ')');
      } else if (
        !KEYWORDS.has(word.toLowerCase()) &&
        at(next) !== '(' &&
        // An aggregation written with its grouping first: sum by (le) (...).
        !/^(by|without)\s*\(/i.test(expr.slice(next))
      ) {
        let matchers: Matcher[] = [];
        if (at(next) === '{') [matchers, i] = matchersAt(expr, next);
        found.push({ metric: word, matchers });
      }
    } else i++;
  }
  return found;
}

export const metricNames = (expr: string) => [...new Set(selectors(expr).map((s) => s.metric))];

/** A Grafana expression as PromQL: its variables replaced by what promtool can parse. */
export const asPromQL = (expr: string) =>
  expr.replace(/\$\{?__(rate_interval|interval|range)\}?/g, '5m').replace(/\$\{[^}]*\}|\$\w+/g, '.*');

export interface Query {
  /** Where it is, for the message when it is wrong. */
  where: string;
  expr: string;
}

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function alertRules(): Rule[] {
  const doc = readYaml(deployPath('prometheus', 'alerts.yml')) as { groups: { name: string; rules: Rule[] }[] };
  return doc.groups.flatMap((group) => group.rules);
}

export const alertQueries = (): Query[] =>
  alertRules().map((rule) => ({ where: `alert ${rule.alert ?? rule.record}`, expr: rule.expr }));

export interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

export const readDashboard = (): Dashboard =>
  JSON.parse(readFileSync(deployPath('grafana', 'aura-dashboard.json'), 'utf8')) as Dashboard;

/** Every panel, those inside collapsed rows too. */
export const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);

/** The PromQL of a query variable: label_values(<expr>, label) is Grafana's, around PromQL. */
function variableExpression(query: string): string | undefined {
  const labelValues = /^\s*label_values\(([\s\S]*),\s*[a-zA-Z_]\w*\s*\)\s*$/.exec(query);
  if (labelValues) return labelValues[1];
  if (/^\s*(label_values\(\s*\w+\s*\)|label_names\(|metrics\()/.test(query)) return undefined;
  const result = /^\s*query_result\(([\s\S]*)\)\s*$/.exec(query);
  return result ? result[1] : query;
}

export function dashboardQueries(dashboard: Dashboard = readDashboard()): Query[] {
  const queries: Query[] = [];
  for (const panel of allPanels(dashboard.panels))
    for (const target of panel.targets ?? [])
      if (target.expr) queries.push({ where: `panel "${panel.title}" ${target.refId}`, expr: target.expr });
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const expr = query === undefined ? undefined : variableExpression(query);
    if (expr) queries.push({ where: `variable $${variable.name}`, expr });
  }
  return queries;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
}

export interface Exposition {
  /** Each metric family's TYPE. */
  types: Map<string, string>;
  samples: Sample[];
}

/** Prometheus' text format, as prom-client writes it. */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][\w:]*) (\w+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+\S+/.exec(line);
    if (!sample?.[1]) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, label, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g))
      if (label !== undefined && value !== undefined) labels[label] = value;
    samples.push({ name: sample[1], labels });
  }
  return { types, samples };
}

/**
 * The names a query can select: a histogram only as its _bucket, _sum and _count series (the
 * family's own name selects nothing), a summary also by its name (the quantiles).
 */
export function selectableNames({ types, samples }: Exposition): Set<string> {
  const names = new Set(samples.map((s) => s.name));
  for (const [name, type] of types) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** Series Prometheus makes itself for every target, never in a /metrics answer. */
export const PROMETHEUS_OWN = new Set(['up']);

/** Each query's metric names that `exported` lacks, as "where: name". */
export function unexported(queries: Query[], exported: Set<string>): string[] {
  return queries.flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((name) => !exported.has(name) && !PROMETHEUS_OWN.has(name))
      .map((name) => `${where}: ${name}`),
  );
}

/**
 * Every string a regular expression made of literals, `|` and groups matches; throws on any
 * other syntax, whose matches cannot be listed.
 */
export function alternatives(regex: string): string[] {
  let pos = 0;
  const sequence = (): string[] => {
    const out: string[] = [];
    let current = [''];
    while (pos < regex.length && regex[pos] !== ')') {
      const c = regex[pos] ?? '';
      if (c === '|') {
        out.push(...current);
        current = [''];
        pos++;
      } else if (c === '(') {
        pos++;
        const inner = sequence();
        if (regex[pos] !== ')') throw new Error(`unclosed group in ${regex}`);
        pos++;
        current = current.flatMap((head) => inner.map((tail) => head + tail));
      } else if (/[.*+?[\]{}\\^$]/.test(c)) {
        throw new Error(`"${c}" in ${regex}: only literals, | and groups can be listed`);
      } else {
        current = current.map((s) => s + c);
        pos++;
      }
    }
    out.push(...current);
    return out;
  };
  const all = sequence();
  if (pos !== regex.length) throw new Error(`unbalanced ")" in ${regex}`);
  return all;
}
