import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, CHROMIUM_NEED, type HeadlessChromium, launchChromium, skipUnless } from '@aura/testing';
import { listeningServer } from './support.ts';

const skip = skipUnless(CHROMIUM_NEED);

const entry = fileURLToPath(new URL('./browser/entry.ts', import.meta.url));

describe('the SDK in headless Chromium', { skip }, () => {
  let server: Awaited<ReturnType<typeof listeningServer>>;
  let chromium: HeadlessChromium;
  before(async () => {
    server = await listeningServer();
    // The page is served by the Aura server itself; CSP is bypassed only to inject the test bundle.
    chromium = await launchChromium({ bypassCSP: true });
  });
  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  it('bundles without node: imports', async () => {
    const { metafile } = await bundleForBrowser(entry);
    const nodeImports = Object.values(metafile.inputs).flatMap((i) =>
      i.imports.filter((imp) => imp.path.startsWith('node:')),
    );
    assert.deepEqual(nodeImports, []);
  });

  it('registers, stores, searches (case-folded) and logs in again, in the browser', { timeout: 120_000 }, async () => {
    const page = await chromium.pageWith((await bundleForBrowser(entry)).code, `${server.url}/health`);
    const result = await page.evaluate(([url, email]) => globalThis.auraClientFlow(url, email), [
      server.url,
      `browser-${Date.now()}@example.com`,
    ] as const);
    assert.deepEqual(result, { found: ['note'], text: 'Picnic with Zoë on Sunday', platform: 'browser' });
    await page.close();
  });
});
