import { readFileSync } from 'node:fs';

/** On Node the model files are on disk beside the code: read when first used. */
export function modelBytes(url: URL): Uint8Array {
  return new Uint8Array(readFileSync(url));
}

export async function preloadModelBytes(_urls: readonly URL[]): Promise<void> {}
