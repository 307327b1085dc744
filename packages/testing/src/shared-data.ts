import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ../shared/data beside the checkout (or AURA_SHARED_DATA). The data is outside the project on
 * purpose; a test that needs it and cannot find it fails, loudly, rather than skipping.
 */
export function sharedDataDir(): string {
  if (process.env.AURA_SHARED_DATA) return resolve(process.env.AURA_SHARED_DATA);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, '..', 'shared', 'data');
    if (existsSync(join(candidate, 'README.md'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('shared test data not found: expected ../shared/data beside the checkout, or set AURA_SHARED_DATA');
}

export function readSharedJson<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(sharedDataDir(), relativePath), 'utf8')) as T;
}
