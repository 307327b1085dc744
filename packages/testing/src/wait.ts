/**
 * Polls until `check` gives a value (anything but undefined or false), or fails after
 * `timeoutMs` with `explain()`: the one wait-for-a-condition of the suites, so no test sleeps
 * a fixed time before it asserts. A check that throws ends the wait with its error (a server
 * that exited will never listen).
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
  explain: () => string = () => '',
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
