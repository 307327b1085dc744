import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, CHROMIUM_NEED, type HeadlessChromium, launchChromium, skipUnless } from '@aura/testing';
import { loadVectorFiles } from './vectors/files.ts';
import type { VectorReport } from './vectors/report.ts';

const skip = skipUnless(CHROMIUM_NEED);

const entry = fileURLToPath(new URL('./browser/entry.ts', import.meta.url));

describe('browser entry in headless Chromium', { skip }, () => {
  let chromium: HeadlessChromium;
  before(async () => {
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
  });

  it('the browser bundle imports nothing from node:', async () => {
    const { metafile } = await bundleForBrowser(entry);
    const inputs = Object.keys(metafile.inputs);
    assert.ok(
      inputs.some((p) => p.endsWith('platform/browser.ts')),
      'the browser platform is bundled',
    );
    assert.ok(!inputs.some((p) => p.endsWith('platform/node.ts')), 'the Node platform is not');
    const nodeImports = Object.values(metafile.inputs).flatMap((i) =>
      i.imports.filter((imp) => imp.path.startsWith('node:')),
    );
    assert.deepEqual(nodeImports, []);
  });

  it('runs every vector suite and the envelope fixture on the browser code paths', { timeout: 300_000 }, async () => {
    // WebCrypto lives in secure contexts only, which about:blank is not: a page of http://localhost,
    // answered by the test itself (nothing listens there), is one.
    await chromium.context.route('http://localhost/', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>vectors</title>' }),
    );
    const page = await chromium.pageWith((await bundleForBrowser(entry)).code, 'http://localhost/');
    assert.equal(await page.evaluate(() => globalThis.auraCrypto.platform), 'browser');
    // Debian's Chromium has WebCrypto Ed25519: "ed25519 many" below runs the native verifier.
    assert.equal(await page.evaluate(() => globalThis.auraCrypto.nativeEd25519()), true);
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/envelope-v1.json', import.meta.url), 'utf8'));
    const reports = (await page.evaluate(([data, fx]) => globalThis.auraCrypto.run(data, fx), [
      loadVectorFiles(),
      fixture,
    ] as const)) as VectorReport[];
    assert.deepEqual(
      reports.flatMap((r) => r.failures),
      [],
    );
    const suites = reports.map((r) => r.suite);
    for (const name of [
      'xchacha20-poly1305 [browser]',
      'hkdf-sha256',
      'hmac-sha256',
      'x25519',
      'ed25519',
      'ed25519 many',
      'srp-6a',
      'argon2id',
      'merkle',
      'envelope-v1 fixture',
    ]) {
      assert.ok(suites.includes(name), `${name} ran`);
    }
    for (const r of reports) assert.ok(r.total > 0, `${r.suite} ran cases`);
    console.log(reports.map((r) => `${r.suite}: ${r.passed}/${r.total}`).join('\n'));
    await page.close();
  });
});
