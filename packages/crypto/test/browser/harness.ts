import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's Chromium; the project never downloads a browser of its own. */
export const CHROMIUM = process.env.AURA_CHROMIUM ?? '/usr/bin/chromium';
export const haveChromium = (): boolean => existsSync(CHROMIUM);

/** Bundles an entry for the browser, through the package's "browser" conditions. */
export async function bundleForBrowser(entry: string): Promise<{ code: string; metafile: Metafile }> {
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
