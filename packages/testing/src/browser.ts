import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Metafile } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { executableAt, type Need } from './skip.ts';

/** Debian's Chromium; the project never downloads a browser of its own. */
export const CHROMIUM = process.env.AURA_CHROMIUM ?? '/usr/bin/chromium';
/** What a browser suite passes to skipUnless. */
export const CHROMIUM_NEED: Need = executableAt(CHROMIUM, 'Chromium', 'apt-get install chromium');
export const haveChromium = (): boolean => CHROMIUM_NEED.present();

// esbuild and Playwright are loaded by the suites that bundle or browse, not by every importer.

/** Bundles an entry for the browser, through the package's "browser" conditions. */
export async function bundleForBrowser(entry: string): Promise<{ code: string; metafile: Metafile }> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
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

export interface HeadlessChromium {
  context: BrowserContext;
  /** A blank page with the bundle loaded. */
  pageWith(code: string, url?: string): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium as root on a closed network: the flags DEVELOPERS.md names, a fresh profile. */
export async function launchChromium(options: { bypassCSP?: boolean } = {}): Promise<HeadlessChromium> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'aura-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    bypassCSP: options.bypassCSP ?? false,
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
  return {
    context,
    async pageWith(code, url = 'about:blank') {
      const page = await context.newPage();
      await page.goto(url);
      await page.addScriptTag({ content: code });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
