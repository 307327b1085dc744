import { defineConfig } from 'vite';

// The dashboard is one page and one keys worker; the models and Argon2's WebAssembly load
// lazily (the worker fetches the models on the first request, hash-wasm compiles its module on
// the first derivation). No source maps in the build: the server serves only what runs.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { conditions: ['browser', 'module', 'import', 'default'] },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
