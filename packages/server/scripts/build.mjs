#!/usr/bin/env node
// Compiles the server into dist/main.mjs (and chunks for what it loads on demand), which
// `npm start`, `aura up` and the server image run as plain JavaScript: no tsx loader thread in
// the process (some 37 MiB of its memory) and nothing to compile at start. The workspace's own
// packages are bundled in; every library stays an import, resolved from node_modules at run time
// as it is under tsx (several read files of their own). Tests run the sources through tsx. With
// --if-stale (start.mjs), builds only when a source is newer. See docs/decisions/0019-http-path.md.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { common, externals, ownUrl, writeOutputs } from '../../../scripts/bundle.mjs';

const server = fileURLToPath(new URL('..', import.meta.url));
const packages = join(server, '..');
const outdir = join(server, 'dist');
const entry = join(outdir, 'main.mjs');

/** The newest modification time under `path` (a file or a folder of sources). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    latest = Math.max(latest, newest(join(path, name)));
  }
  return latest;
}

if (process.argv.includes('--if-stale') && existsSync(entry)) {
  // What the bundle is made of: the server and the workspace packages it imports, their
  // manifests (exports and #imports), and how it is built.
  const inputs = ['server', 'protocol', 'crypto', 'errors', 'he'].flatMap((p) => [
    join(packages, p, 'src'),
    join(packages, p, 'package.json'),
  ]);
  inputs.push(fileURLToPath(import.meta.url), fileURLToPath(new URL('../../../scripts/bundle.mjs', import.meta.url)));
  if (Math.max(...inputs.map(newest)) <= statSync(entry).mtimeMs) process.exit(0);
}

// Loaded only to build: where the bundle is fresh (the server's image, pruned of esbuild), it is not needed.
const { build } = await import('esbuild');
const started = performance.now();
const { outputFiles } = await build({
  ...common,
  entryPoints: { main: join(server, 'src/main.ts') },
  outdir,
  write: false,
  // Linked, not inlined: `node --enable-source-maps` and bench:http's profile read it; the
  // server does not load it otherwise.
  sourcemap: 'linked',
  sourcesContent: false,
  plugins: [externals(/^@aura\//), ownUrl(outdir)],
});
// main.ts's own first line asks for tsx; the bundle is plain JavaScript.
const plain = (f) =>
  f.path === entry ? { path: f.path, contents: Buffer.from(f.text.replace(/^#!.*\n/, '#!/usr/bin/env node\n')) } : f;
writeOutputs(outputFiles.map(plain), outdir, entry);
if (process.argv.includes('--verbose') || process.argv.includes('--if-stale'))
  process.stderr.write(`built ${relative(process.cwd(), entry)} in ${Math.round(performance.now() - started)} ms\n`);
