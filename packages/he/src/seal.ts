import type { SEALLibrary } from 'node-seal/implementation/seal.js';

export type { SEALLibrary };

let loading: Promise<SEALLibrary> | undefined;

/**
 * Microsoft SEAL 4.1, compiled to WebAssembly by node-seal 6 (the build that refuses to make a
 * transparent ciphertext). Imported on first use, so a bundle that can reach it (the dashboard's
 * worker, the aura command) loads its 1.4 MB only when the encrypted path is taken; then about
 * 50 ms, once per process or page.
 */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= import('node-seal').then((module) => module.default());
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
