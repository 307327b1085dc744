import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type ModuleFacts, readModule } from './imports.ts';
import { BENCH_ALLOWED, BENCH_REACH, BUILD_SHARED, RULES, SECRET_KEY_EXPORTS, SERVER_ENTRIES } from './rules.ts';
import { staleProjects } from './tsconfigs.ts';

/** The sources the check reads, by path relative to the repository root (posix separators). */
export interface Workspace {
  readonly files: readonly string[];
  read(path: string): string;
}

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly specifier: string;
  readonly reason: string;
}

const SOURCE = /\.(ts|mts|mjs|js)$/;
const SKIP = new Set(['node_modules', 'dist', '.tsbuild', 'model', 'data']);

/** Every source, test, script and benchmark file of the repository. */
export function workspaceOnDisk(root: string): Workspace {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(join(root, dir))) {
      if (SKIP.has(name) || name.startsWith('.')) continue;
      const path = posix.join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (SOURCE.test(name) && !name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const top of ['packages', 'bench', 'scripts']) if (existsSync(join(root, top))) walk(top);
  return { files: files.sort(), read: (path) => readFileSync(join(root, path), 'utf8') };
}

/** The same workspace with some files' text replaced or added (how the tests try illegal edges). */
export function withChanges(base: Workspace, changes: Readonly<Record<string, string>>): Workspace {
  const files = [...new Set([...base.files, ...Object.keys(changes)])].sort();
  return { files, read: (path) => changes[path] ?? base.read(path) };
}

interface Place {
  /** The package's folder name, or undefined for the repository's bench/ and scripts/. */
  readonly pkg: string | undefined;
  readonly area: 'src' | 'tests' | 'bench';
}

function placeOf(path: string): Place {
  const [top, pkg, area] = path.split('/');
  if (top !== 'packages' || !pkg) return { pkg: undefined, area: 'bench' };
  return { pkg, area: area === 'src' || area === 'bin' ? 'src' : 'tests' };
}

const matches = (pattern: string, specifier: string) =>
  pattern.endsWith('/*') ? specifier.startsWith(pattern.slice(0, -1)) : pattern === specifier;

function allowedFor(place: Place): string[] {
  if (!place.pkg) return BENCH_ALLOWED;
  const rule = RULES[place.pkg];
  if (!rule) return [];
  const self = [`@aura/${place.pkg}`, `@aura/${place.pkg}/*`];
  return place.area === 'src' ? [...self, ...rule.src] : [...self, ...rule.src, ...rule.tests, '@aura/testing'];
}

/** Checks every reference of every file against the rules; returns what breaks them. */
export function checkGraph(workspace: Workspace): Violation[] {
  // Each file is parsed once and each manifest read once, for both passes below.
  const parsed = new Map<string, ModuleFacts>();
  const facts = (path: string) => {
    const known = parsed.get(path);
    if (known) return known;
    const found = readModule(path, workspace.read(path));
    parsed.set(path, found);
    return found;
  };
  const manifests = new Map<string, Manifest | undefined>();
  const manifest = (pkg: string) => {
    if (!manifests.has(pkg)) manifests.set(pkg, readManifest(workspace, pkg));
    return manifests.get(pkg);
  };
  const violations: Violation[] = [];
  for (const file of workspace.files) {
    const place = placeOf(file);
    if (place.pkg && !RULES[place.pkg]) {
      violations.push({
        file,
        line: 1,
        specifier: '',
        reason: `packages/${place.pkg} has no rule in scripts/graph/rules.ts`,
      });
      continue;
    }
    const allowed = allowedFor(place);
    const declared = place.pkg ? declaredDependencies(manifest(place.pkg), place) : undefined;
    for (const { specifier, line } of facts(file).references) {
      const reason = refusal(file, place, specifier, allowed) ?? undeclared(place, specifier, declared);
      if (reason) violations.push({ file, line, specifier, reason });
    }
  }
  return [...violations, ...secretKeyCodeReachableFromServer(workspace, facts, manifest)];
}

function refusal(file: string, place: Place, specifier: string, allowed: string[]): string | undefined {
  if (specifier.startsWith('@aura/')) {
    if (allowed.some((pattern) => matches(pattern, specifier))) return undefined;
    const who = place.pkg ? `${place.pkg}'s ${place.area}` : 'a benchmark';
    return `${who} may not import ${specifier} (allowed: ${allowed.join(', ') || 'nothing from other packages'})`;
  }
  if (!specifier.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  const home = place.pkg ? `packages/${place.pkg}/` : `${file.split('/')[0]}/`;
  if (target.startsWith(home) || (!place.pkg && BENCH_REACH.test(target))) return undefined;
  if (file.startsWith(`${home}scripts/`) && BUILD_SHARED.includes(target)) return undefined;
  return `reaches into ${target} by path; import the package by name (@aura/testing for shared test helpers)`;
}

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  exports?: Record<string, unknown>;
  imports?: Record<string, unknown>;
}

function readManifest(workspace: Workspace, pkg: string): Manifest | undefined {
  try {
    return JSON.parse(workspace.read(`packages/${pkg}/package.json`)) as Manifest;
  } catch {
    return undefined;
  }
}

/** The workspace packages a package's manifest lists: dependencies for src, devDependencies too for tests. */
function declaredDependencies(manifest: Manifest | undefined, place: Place): Set<string> {
  const lists = place.area === 'src' ? [manifest?.dependencies] : [manifest?.dependencies, manifest?.devDependencies];
  return new Set(lists.flatMap((list) => Object.keys(list ?? {})));
}

/** An allowed import must also be declared, or it works only by the workspace's hoisting. */
function undeclared(place: Place, specifier: string, declared: Set<string> | undefined): string | undefined {
  if (!declared || !specifier.startsWith('@aura/')) return undefined;
  const name = specifier.split('/').slice(0, 2).join('/');
  if (name === `@aura/${place.pkg}` || declared.has(name)) return undefined;
  const list = place.area === 'src' ? 'dependencies' : 'dependencies or devDependencies';
  return `${name} is imported but not in packages/${place.pkg}/package.json ${list}`;
}

/** Resolves an @aura/x[/entry] specifier, or a #import of the file's own package, to source files. */
function resolveEntry(manifest: (pkg: string) => Manifest | undefined, from: string, specifier: string): string[] {
  let pkg: string;
  let target: unknown;
  if (specifier.startsWith('#')) {
    pkg = from.split('/')[1] ?? '';
    target = manifest(pkg)?.imports?.[specifier];
  } else {
    const [, name, ...rest] = specifier.split('/');
    pkg = name ?? '';
    target = manifest(pkg)?.exports?.[rest.length ? `./${rest.join('/')}` : '.'];
  }
  // Every condition counts (browser and node): the check holds for whichever the server loads.
  const paths = typeof target === 'string' ? [target] : Object.values((target ?? {}) as Record<string, string>);
  return paths.map((p) => posix.normalize(posix.join(`packages/${pkg}`, p)));
}

/**
 * Walks the module graph from the server's entries (relative imports and workspace entries)
 * and refuses any reached module outside the server that defines a secret-key operation.
 */
function secretKeyCodeReachableFromServer(
  workspace: Workspace,
  facts: (path: string) => ModuleFacts,
  manifest: (pkg: string) => Manifest | undefined,
): Violation[] {
  const known = new Set(workspace.files);
  const seen = new Set<string>();
  const queue = SERVER_ENTRIES.filter((entry) => known.has(entry));
  const violations: Violation[] = [];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const { references, exports } = facts(file);
    if (!file.startsWith('packages/server/')) {
      for (const name of exports) {
        if (SECRET_KEY_EXPORTS.test(name)) {
          violations.push({
            file,
            line: 1,
            specifier: name,
            reason: `${name} needs a user's secret key, and this module is reachable from the server's entry`,
          });
        }
      }
    }
    for (const { specifier } of references) {
      const next = specifier.startsWith('.')
        ? [posix.normalize(posix.join(posix.dirname(file), specifier))]
        : specifier.startsWith('@aura/') || specifier.startsWith('#')
          ? resolveEntry(manifest, file, specifier)
          : [];
      for (const path of next) if (known.has(path) && !seen.has(path)) queue.push(path);
    }
  }
  return violations;
}

export function formatViolation(v: Violation): string {
  return `${v.file}:${v.line}: ${v.specifier ? `${v.specifier}: ` : ''}${v.reason}`;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const root = new URL('../../', import.meta.url).pathname;
  const violations = checkGraph(workspaceOnDisk(root));
  for (const project of staleProjects(root)) {
    violations.push({
      file: project,
      line: 1,
      specifier: '',
      reason: 'differs from what scripts/graph/rules.ts gives: run node --import tsx scripts/graph/tsconfigs.ts',
    });
  }
  if (violations.length > 0) {
    console.error(`The package graph is broken (${violations.length}); see scripts/graph/rules.ts:`);
    for (const v of violations) console.error(`  ${formatViolation(v)}`);
    process.exit(1);
  }
  console.log('package graph: every import is allowed by scripts/graph/rules.ts');
}
