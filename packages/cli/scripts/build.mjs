#!/usr/bin/env node
// Bundles the aura command into dist/ so the bin starts as plain JavaScript, without tsx.
// Run by the root `prepare` (npm ci) and by scripts/test.mjs, so the bin never lags the sources.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLED, common, externals, ownUrl } from './esbuild-plugins.mjs';

const cli = fileURLToPath(new URL('..', import.meta.url));
const outdir = fileURLToPath(new URL('../dist', import.meta.url));

const started = performance.now();
const { outputFiles } = await build({
  ...common,
  entryPoints: { aura: `${cli}/src/main.ts` },
  outdir,
  write: false,
  plugins: [externals(BUNDLED), ownUrl(outdir)],
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
