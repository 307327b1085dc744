import SEAL from 'node-seal';
import type { SEALLibrary } from 'node-seal/implementation/seal.js';

export type { SEALLibrary };

let loading: Promise<SEALLibrary> | undefined;

/**
 * Microsoft SEAL 4.1, compiled to WebAssembly by node-seal 6 (the build that refuses to make a
 * transparent ciphertext). Loaded once per process or page; about 50 ms.
 */
export function loadSeal(): Promise<SEALLibrary> {
  loading ??= SEAL();
  return loading;
}
