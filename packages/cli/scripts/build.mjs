#!/usr/bin/env node
// Bundles the aura command into dist/ so the bin starts as plain JavaScript, without tsx.
// Run by the root `prepare` (npm ci) and by scripts/test.mjs, so the bin never lags the sources.
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLED, common, externals, ownUrl, writeOutputs } from '../../../scripts/bundle.mjs';

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

const entry = join(outdir, 'aura.mjs');
writeOutputs(outputFiles, outdir, entry);
if (process.argv.includes('--verbose'))
  process.stderr.write(
    `built ${relative(process.cwd(), entry)} (${outputFiles.length} files) in ${Math.round(performance.now() - started)} ms\n`,
  );
