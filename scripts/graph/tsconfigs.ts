import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from './rules.ts';

/**
 * The TypeScript projects that follow from rules.ts: per package one project for src/ and one
 * for its tests, each referencing only the projects its imports may reach, so `tsc -b` checks
 * the packages one by one in the graph's order. (tsc refuses a relative path into another
 * project, TS6307, but not an import by package name: check.ts is what enforces the graph.)
 * `node --import tsx scripts/graph/tsconfigs.ts`
 * rewrites them; `--check` (run by check.ts) fails when a committed one differs.
 */
type Project = { path: string; config: unknown };

/**
 * Packages that run in a browser page with JSX components (the dashboard): the DOM and worker
 * libraries, Preact's JSX, Vite's asset types, and .tsx sources.
 */
const BROWSER_APPS: Record<string, { compilerOptions: Record<string, unknown>; include: string[] }> = {
  web: {
    compilerOptions: {
      lib: ['ES2023', 'DOM', 'DOM.Iterable', 'WebWorker'],
      types: ['vite/client'],
      jsx: 'react-jsx',
      jsxImportSource: 'preact',
    },
    include: ['src/**/*.ts', 'src/**/*.tsx'],
  },
};

/**
 * Dependencies whose declared entry is wrong under NodeNext, with a declaration of the entry as
 * it is at run time (the file says why): node-seal's Node entry is CommonJS, its types say ESM.
 */
const ENTRY_DECLARATIONS: Record<string, Record<string, string[]>> = {
  he: { 'node-seal': ['./types/node-seal.d.cts'] },
};

const packageOf = (specifier: string) => specifier.split('/')[1] ?? '';
const referenced = (specifiers: readonly string[], self: string) =>
  [...new Set(specifiers.map(packageOf))].filter((p) => p !== self && p !== '*').sort();

export function projects(root: string): Project[] {
  const present = Object.keys(RULES).filter((pkg) => existsSync(join(root, 'packages', pkg, 'package.json')));
  const out: Project[] = [];
  for (const pkg of present) {
    const rule = RULES[pkg] ?? { src: [], tests: [] };
    const app = BROWSER_APPS[pkg];
    out.push({
      path: `packages/${pkg}/tsconfig.json`,
      config: {
        extends: '../../tsconfig.base.json',
        compilerOptions: {
          composite: true,
          outDir: '.tsbuild/src',
          rootDir: 'src',
          ...app?.compilerOptions,
          ...(ENTRY_DECLARATIONS[pkg] ? { paths: ENTRY_DECLARATIONS[pkg] } : {}),
        },
        include: app?.include ?? ['src/**/*.ts'],
        references: referenced(rule.src, pkg)
          .filter((p) => present.includes(p))
          .map((p) => ({ path: `../${p}` })),
      },
    });
    if (!existsSync(join(root, 'packages', pkg, 'test')) || pkg === 'testing') continue;
    const deps = referenced([...rule.src, ...rule.tests, '@aura/testing'], pkg).filter((p) => present.includes(p));
    const include = ['**/*.ts'];
    if (existsSync(join(root, 'packages', pkg, 'scripts'))) include.push('../scripts/**/*.ts');
    out.push({
      path: `packages/${pkg}/test/tsconfig.json`,
      config: {
        extends: '../../../tsconfig.base.json',
        compilerOptions: { composite: true, outDir: '../.tsbuild/test', rootDir: '..' },
        include,
        references: [{ path: '..' }, ...deps.map((p) => ({ path: `../../${p}` }))],
      },
    });
  }
  out.push({
    path: 'tsconfig.tools.json',
    config: {
      extends: './tsconfig.base.json',
      compilerOptions: { composite: true, outDir: '.tsbuild/tools', rootDir: '.' },
      include: ['bench/**/*.ts', 'scripts/**/*.ts'],
      references: present.map((p) => ({ path: `packages/${p}` })),
    },
  });
  out.push({
    path: 'tsconfig.json',
    config: {
      files: [],
      references: [...out.map((p) => ({ path: p.path.replace(/\/?tsconfig\.json$/, '') || '.' }))],
    },
  });
  return out;
}

export const render = (config: unknown) => `${JSON.stringify(config, null, 2)}\n`;

/** Projects whose committed file differs from what rules.ts says. */
export function staleProjects(root: string): string[] {
  return projects(root)
    .filter(({ path, config }) => {
      const file = join(root, path);
      return !existsSync(file) || JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))) !== JSON.stringify(config);
    })
    .map(({ path }) => path);
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const root = new URL('../../', import.meta.url).pathname;
  const written = projects(root).map(({ path, config }) => {
    writeFileSync(join(root, path), render(config));
    return path;
  });
  // In the repository's one JSON style, so lint stays clean (staleProjects compares parsed JSON).
  execFileSync('npx', ['biome', 'format', '--write', ...written], { cwd: root, stdio: 'ignore' });
  console.log('tsconfig projects written from scripts/graph/rules.ts');
}
