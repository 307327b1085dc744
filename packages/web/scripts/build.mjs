#!/usr/bin/env node
// Builds the dashboard into packages/web/dist, which the server serves at `/`. Run by the root
// `prepare` (npm ci), by `npm start` with --if-stale (only when a source is newer than the
// build), and by scripts/test.mjs before the web tests.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const web = fileURLToPath(new URL('..', import.meta.url));
const packages = join(web, '..');
const built = join(web, 'dist', 'index.html');

/** The newest modification time under the sources the build reads (the web app and the client side it bundles). */
function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    latest = Math.max(latest, stat.isDirectory() ? newest(path) : stat.mtimeMs);
  }
  return latest;
}

if (process.argv.includes('--if-stale') && existsSync(built)) {
  const sources = ['web', 'client', 'crypto', 'assistant', 'protocol', 'errors'].map((p) => newest(join(packages, p)));
  if (Math.max(...sources) <= statSync(built).mtimeMs) process.exit(0);
  console.log('The web dashboard is older than its sources: building it (a few seconds)…');
}

const { build } = await import('vite');
await build({ root: web, configFile: join(web, 'vite.config.ts'), logLevel: 'warn' });

// Compressed once here, not on every request: the server sends the .br or .gz beside a file when
// the browser accepts it (the models shrink from 5 MB to about 1 MB, the keys worker by two thirds).
const COMPRESSIBLE = /\.(js|css|html|svg|webmanifest|bin)$/;
function compress(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) compress(path);
    else if (COMPRESSIBLE.test(name)) {
      const bytes = readFileSync(path);
      // Brotli's best quality takes seconds a megabyte: the largest files (the models) get less.
      const small = bytes.length < 1_000_000;
      writeFileSync(`${path}.gz`, gzipSync(bytes, { level: small ? 9 : 6 }));
      const quality = small ? constants.BROTLI_MAX_QUALITY : 9;
      writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: quality } }));
    }
  }
}
compress(join(web, 'dist'));
