// What the workspace's esbuild bundles share: the aura command the checkout runs
// (packages/cli/scripts/build.mjs), its self-contained package (pack.mjs), and the server that
// `npm start` runs (packages/server/scripts/build.mjs).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';

/**
 * Bundled: the workspace's own packages (@aura/*, and a package's #imports), and the libraries
 * the common commands load (through the client: zod, the noble primitives, hash-wasm; through
 * the assistant: chrono-node and yaml), which Node would otherwise resolve and compile file by file
 * (chrono-node alone is some 270 files, 60 ms of every `aura ask`). Everything else from
 * node_modules stays an import, resolved at run time from where the bundle is; the integrations'
 * libraries load only in the commands that import() them.
 */
export const BUNDLED = /^(@aura\/|zod(\/|$)|@noble\/|hash-wasm(\/|$)|fastest-levenshtein$|chrono-node(\/|$)|yaml$)/;

/** Everything matching `bundled` (and the workspace's #imports) goes in; the rest stays an import. */
export const externals = (bundled) => ({
  name: 'node-modules-external',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) =>
      bundled.test(args.path) || isBuiltin(args.path) ? undefined : { path: args.path, external: true },
    );
  },
});

/**
 * Workspace files that find their data next to themselves (the assistant's model files, read via
 * `new URL('../../model/…', import.meta.url)`) keep finding it: in each such file import.meta.url
 * becomes the place `placeOf` gives the file, computed from the bundle's, so the bundle can move.
 */
export const ownUrl = (outdir, placeOf = (path) => path) => ({
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\/packages\/[^/]+\/src\/.*\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const fromDist = relative(outdir, placeOf(args.path)).split('\\').join('/');
      return {
        contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
});

/** The options both bundles share: ESM for Node 20, the commands' own imports split into chunks. */
export const common = {
  bundle: true,
  // The assistant, the agent and the plugins are import()ed by the commands that use them, so
  // `aura status` loads none of them.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  outExtension: { '.js': '.mjs' },
  // A package's ES module build before its CommonJS one (hash-wasm has both): only it can be
  // tree-shaken, and only its named exports survive a dynamic import() in the bundle.
  mainFields: ['module', 'main'],
  // CommonJS bundled into ES modules (yaml's Node build) still calls require() for Node's own modules.
  banner: {
    js: "import { createRequire as __auraRequire } from 'node:module'; const require = __auraRequire(import.meta.url);",
  },
};

/**
 * Writes a build's files into `outdir`. Other processes of this checkout may be running the bundle
 * while it is rebuilt (a test run, a server), so no file is ever half-written (each is renamed
 * into place) and the entry goes last, after the chunks it imports. A file another build left is
 * kept for an hour, for a process that still imports it.
 */
export function writeOutputs(outputFiles, outdir, entry) {
  mkdirSync(outdir, { recursive: true });
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
}
