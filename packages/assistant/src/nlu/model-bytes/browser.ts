import { AuraError } from '@aura/errors';

// A browser cannot read a file synchronously: the models are fetched once (from this origin,
// as hashed assets of the build) before the first decision, then read from here.
const loaded = new Map<string, Uint8Array>();

export function modelBytes(url: URL): Uint8Array {
  const bytes = loaded.get(url.href);
  if (!bytes)
    throw new AuraError('AURA_PROVIDER_UNAVAILABLE', 'the builtin model is not loaded yet: await loadBuiltinModels()');
  return bytes;
}

export async function preloadModelBytes(urls: readonly URL[]): Promise<void> {
  await Promise.all(
    urls
      .filter((url) => !loaded.has(url.href))
      .map(async (url) => {
        const response = await fetch(url);
        if (!response.ok)
          throw new AuraError(
            'AURA_PROVIDER_UNAVAILABLE',
            `the builtin model could not be loaded (${response.status} for ${url.pathname}); reload the page`,
          );
        loaded.set(url.href, new Uint8Array(await response.arrayBuffer()));
      }),
  );
}
