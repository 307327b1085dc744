import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is (evaluated through DevTools, which the page's CSP does not govern). */
export async function accessibility(page: Page, name: string) {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    type Axe = {
      run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown }[] }[] }>;
    };
    const result = await (Reflect.get(globalThis, 'axe') as Axe).run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      where: v.nodes.map((n) => String(n.target)).slice(0, 3),
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${name}: ${JSON.stringify(serious, null, 2)}`);
}
