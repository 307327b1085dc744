import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { type BrowserContext, chromium } from 'playwright-core';
import { loadVectorFiles } from './shared-data.ts';
import type { VectorReport } from './vectors/report.ts';

const CHROMIUM = process.env.AURA_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  const message = `Chromium not found at ${CHROMIUM}: the browser vector suite cannot run (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n!!! SKIPPING: ${message}\n`);
}

async function bundle(): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser/entry.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    metafile: true,
    logLevel: 'silent',
  });
  return { code: result.outputFiles[0]?.text ?? '', metafile: result.metafile };
}

describe('browser entry in headless Chromium', { skip: !haveChromium }, () => {
  let browser: BrowserContext;
  let profile: string;

  before(async () => {
    profile = mkdtempSync(join(tmpdir(), 'aura-chromium-'));
    // A fresh profile each run; Playwright passes it as --user-data-dir.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('the browser bundle imports nothing from node:', async () => {
    const { metafile } = await bundle();
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
    const { code } = await bundle();
    const page = await browser.newPage();
    await page.goto('about:blank');
    await page.addScriptTag({ content: code });
    assert.equal(await page.evaluate(() => globalThis.auraCrypto.platform), 'browser');
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/envelope-v1.json', import.meta.url), 'utf8'));
    const reports = (await page.evaluate(([data, fx]) => globalThis.auraCrypto.run(data, fx), [
      loadVectorFiles(),
      fixture,
    ] as const)) as VectorReport[];
    const failures = reports.flatMap((r) => r.failures);
    assert.deepEqual(failures, []);
    const suites = reports.map((r) => r.suite);
    for (const name of [
      'xchacha20-poly1305 [browser]',
      'hkdf-sha256',
      'hmac-sha256',
      'x25519',
      'ed25519',
      'srp-6a',
      'argon2id',
      'envelope-v1 fixture',
    ]) {
      assert.ok(suites.includes(name), `${name} ran`);
    }
    for (const r of reports) assert.ok(r.total > 0, `${r.suite} ran cases`);
    console.log(reports.map((r) => `${r.suite}: ${r.passed}/${r.total}`).join('\n'));
    await page.close();
  });
});
