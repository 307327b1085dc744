#!/usr/bin/env node
// Bundles the aura command into dist/ so the bin starts as plain JavaScript, without tsx.
// Run by the root `prepare` (npm ci) and by scripts/test.mjs, so the bin never lags the sources.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cli = fileURLToPath(new URL('..', import.meta.url));
const outdir = fileURLToPath(new URL('../dist', import.meta.url));

/**
 * Bundled: the workspace's own packages (@aura/*, and a package's #imports), and the libraries
 * every command loads at start (through the client: zod, the noble primitives, hash-wasm), which
 * Node would otherwise resolve and compile file by file (some 120 files, about 100 ms of CPU for
 * every `aura status`). Everything else from node_modules stays an import, resolved at run time from
 * dist/ as it was from src/; the agent's and the integrations' libraries load only in the commands
 * that import() them.
 */
const BUNDLED = /^(@aura\/|zod(\/|$)|@noble\/|hash-wasm(\/|$))/;
const externals = {
  name: 'node-modules-external',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) =>
      BUNDLED.test(args.path) || args.path.startsWith('node:') ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * Workspace files that find their data next to themselves (the assistant's model files, read via
 * `new URL('../../model/…', import.meta.url)`) keep finding it: in each such file import.meta.url
 * becomes the file's own place, computed from the bundle's, so the repository can still be moved.
 */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromDist = relative(outdir, args.path).split('\\').join('/');
      return {
        contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

const started = performance.now();
const { outputFiles } = await build({
  entryPoints: { aura: `${cli}/src/main.ts` },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // The assistant, the agent and the plugins are import()ed by the commands that use them, so
  // `aura status` loads none of them.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  write: false,
  plugins: [externals, ownUrl],
});

/**
 * Other test runs in this checkout may be running the bin while this one builds it, so no file is
 * ever half-written (each is renamed into place) and the entry goes last, after the chunks it
 * imports. A chunk another build left is kept for an hour, for a process that still imports it.
 */
mkdirSync(outdir, { recursive: true });
const entry = join(outdir, 'aura.mjs');
const fresh = new Set(outputFiles.map((f) => f.path));
for (const file of [...outputFiles.filter((f) => f.path !== entry), ...outputFiles.filter((f) => f.path === entry)]) {
  if (existsSync(file.path) && readFileSync(file.path).equals(file.contents)) continue;
  const temporary = `${file.path}.${process.pid}.tmp`;
  writeFileSync(temporary, file.contents);
  renameSync(temporary, file.path);
}
for (const name of readdirSync(outdir)) {
  const path = join(outdir, name);
  if (!fresh.has(path) && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { force: true });
}
if (process.argv.includes('--verbose'))
  process.stderr.write(
    `built ${relative(process.cwd(), entry)} (${outputFiles.length} files) in ${Math.round(performance.now() - started)} ms\n`,
  );
