import type { Page } from 'playwright-core';

/**
 * Keeps every Content-Security-Policy violation of the page and of its workers in `violations`:
 * a worker's are not the page's console, so each worker (keys, CKKS) reports its own as it
 * happens.
 */
export function hearCspViolations(page: Page, violations: string[]): void {
  const onConsole = (m: { text(): string }) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  };
  page.on('console', onConsole);
  page.on('worker', (worker) => {
    worker.on('console', onConsole);
    worker
      .evaluate(() =>
        self.addEventListener('securitypolicyviolation', (e) =>
          console.warn(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
        ),
      )
      .catch(() => {});
  });
}
