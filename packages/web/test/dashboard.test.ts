import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CHROMIUM_NEED,
  freePort,
  type HeadlessChromium,
  launchChromium,
  migratedDatabase,
  type ServerProcess,
  skipUnless,
  spawnServer,
  type TestDatabase,
  waitFor,
} from '@aura/testing';
import type { Locator, Page, Request } from 'playwright-core';
import { accessibility } from './axe.ts';
import { hearCspViolations } from './csp.ts';

// The dashboard as a person uses it, in Debian's Chromium against the real server (spawned as
// `npm start` runs it, serving packages/web/dist) and a real `aura agent`: register, add John,
// ask for the meeting, enroll the agent from the browser, approve, see the event in the week;
// a second browser enrolled as a device sees the same; a hostile database's rewrite of the
// audit log turns the status red. Every request the pages and their keys worker send is kept
// and searched for plaintext, the password and the device keys. Screenshots go to ARTIFACTS.
const skip = skipUnless(CHROMIUM_NEED);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const AURA = fileURLToPath(new URL('../../cli/bin/aura.mjs', import.meta.url));
export const ARTIFACTS = process.env.AURA_WEB_ARTIFACTS ?? join(ROOT, '.tmp', 'web-screens');

const email = `web-${Date.now()}@example.com`;
const password = `pw-${crypto.randomUUID()}`;
const marker = `plaintext-marker-${crypto.randomUUID().slice(0, 8)}`;
const SCREENS = ['assistant', 'people', 'notes', 'calendar', 'audit', 'devices', 'support', 'settings'] as const;
const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };

let db: TestDatabase;
let server: ServerProcess;
let base: string;
/** The second browser, enrolled as a device from the first. */
let phone: Page | undefined;
const browsers: HeadlessChromium[] = [];
const children: ChildProcess[] = [];
const root = mkdtempSync(join(tmpdir(), 'aura-web-'));

/** What left a page, its worker or its service worker: URL, headers, body; WebSocket frames sent. */
const network: string[] = [];
const hosts = new Set<string>();
const cspViolations: string[] = [];

const text = async (locator: Locator) => (await locator.textContent()) ?? '';

async function record(request: Request) {
  hosts.add(new URL(request.url()).host);
  network.push(
    `${request.method()} ${request.url()}\n${JSON.stringify(await request.allHeaders())}\n${request.postData() ?? ''}`,
  );
}

async function browser(): Promise<Page> {
  const chromium = await launchChromium();
  browsers.push(chromium);
  chromium.context.on('request', (r) => void record(r));
  const page = await chromium.context.newPage();
  hearCspViolations(page, cspViolations);
  page.on('websocket', (ws) => {
    hosts.add(new URL(ws.url()).host);
    network.push(`WS ${ws.url()}`);
    ws.on('framesent', (f) => network.push(`WS> ${String(f.payload)}`));
  });
  return page;
}

function aura(home: string, args: string[]) {
  const child = spawn(process.execPath, [AURA, '--server', base, ...args], {
    env: { ...process.env, AURA_HOME: home, AURA_AGENT_RECONNECT_MAX_MS: '1000' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const done = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, done, output: () => out };
}

async function screenshots(page: Page, name: string) {
  for (const [width, size] of Object.entries(WIDTHS)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(WIDTHS.desktop);
}

async function open(page: Page, screen: string) {
  await page.goto(`${base}/#/${screen}`);
  await page.getByRole('navigation', { name: 'Screens' }).waitFor();
}

describe('the web dashboard, end to end in Chromium', { skip, timeout: 300_000 }, () => {
  let page: Page;

  before(async () => {
    assert.ok(existsSync(DIST), 'packages/web/dist is not built: npm run build:web (scripts/test.mjs builds it)');
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await migratedDatabase();
    const port = await freePort();
    server = await spawnServer({
      DATABASE_URL: db.url,
      PORT: String(port),
      AURA_RATE_LIMIT_DEFAULT: '100000',
      AURA_EXECUTOR_ID: `web-e2e-${port}`,
    });
    base = `http://127.0.0.1:${port}`;
    page = await browser();
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(browsers.map((b) => b.close()));
    server?.child.kill('SIGTERM');
    await server?.exited;
    await db?.drop();
    rmSync(root, { recursive: true, force: true });
    process.stderr.write(`web dashboard screenshots: ${ARTIFACTS}\n`);
  });

  it('registers in the browser, with Argon2id in the worker and the page responsive meanwhile', async () => {
    // The address a person opens is the one the server's banner names.
    assert.ok(server.output().includes(`dashboard  ${base}/`), server.output());
    await page.goto(base);
    await screenshots(page, 'login');
    await accessibility(page, 'login');
    await page.getByRole('tab', { name: 'Create account' }).click();
    await screenshots(page, 'register');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password again').fill(password);
    // While the key is derived (twice: for the new account, then to log in) the page keeps
    // running: its timer keeps ticking, and no task on its main thread runs long (Argon2id
    // there would be one task of most of a second). Long tasks, not gaps between ticks: a gap
    // also grows when a busy machine gives the page no core, which says nothing of the page.
    await page.evaluate(() => {
      const ticks: number[] = [];
      const tasks: number[] = [];
      Reflect.set(globalThis, 'ticks', ticks);
      Reflect.set(globalThis, 'tasks', tasks);
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) tasks.push(entry.duration);
      }).observe({ type: 'longtask' });
      const id = setInterval(() => ticks.push(performance.now()), 16);
      setTimeout(() => clearInterval(id), 20_000);
    });
    await page.getByRole('button', { name: 'Create account' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Argon2id/ })
      .first()
      .waitFor();
    await page.getByRole('navigation', { name: 'Screens' }).waitFor({ timeout: 30_000 });
    const { ticks, tasks } = await page.evaluate(() => ({
      ticks: (Reflect.get(globalThis, 'ticks') as number[]).length,
      tasks: Reflect.get(globalThis, 'tasks') as number[],
    }));
    assert.ok(ticks > 10, 'the page kept running while the key was derived');
    const longest = Math.max(0, ...tasks);
    assert.ok(longest < 250, `a task held the main thread ${Math.round(longest)} ms during key derivation`);
    // And by construction: the page's own script holds no key derivation; the worker's does.
    const assets = readdirSync(join(DIST, '..', 'assets'));
    const pageScript = assets.find((f) => /^index-.*\.js$/.test(f));
    const workerScript = assets.find((f) => /^keys\.worker-.*\.js$/.test(f));
    assert.ok(pageScript && workerScript, `the build has a page script and a keys worker: ${assets.join(', ')}`);
    const argon2 = /argon2/i;
    assert.doesNotMatch(readFileSync(join(DIST, '..', 'assets', pageScript), 'utf8'), argon2);
    assert.match(readFileSync(join(DIST, '..', 'assets', workerScript), 'utf8'), argon2);
  });

  it('keeps a person, decrypted in the browser and found by blind-index search', async () => {
    await open(page, 'people');
    await page.getByLabel('Name').fill('John Appleseed');
    await page.getByLabel('Relationship (colleague, sister…)').fill('colleague');
    await page.getByLabel('Email').fill('john@example.com');
    await page.getByLabel('Notes').fill(marker);
    await page.getByRole('button', { name: 'Add person' }).click();
    const people = page.getByTestId('people');
    await people.locator('strong', { hasText: 'John Appleseed' }).waitFor();
    await page.getByLabel('Search people').fill('colleague');
    await page.getByRole('button', { name: 'Search' }).click();
    await people.locator('strong', { hasText: 'John Appleseed' }).waitFor();
    await page.getByLabel('Search people').fill('nobody');
    await page.getByRole('button', { name: 'Search' }).click();
    await people.getByText('No one matches').waitFor();
  });

  it('enrolls the agent from the browser after comparing its code and fingerprint', async () => {
    const agentHome = join(root, 'agent');
    const enroll = aura(agentHome, ['--json', 'device', 'enroll', '--email', email, '--name', 'agent']);
    const { code, fingerprint } = await waitFor(
      () => {
        const m = /"code": "([0-9A-Z-]+)"[\s\S]*"fingerprint": "([^"]+)"/.exec(enroll.output());
        return m ? { code: m[1] ?? '', fingerprint: m[2] ?? '' } : undefined;
      },
      30_000,
      enroll.output,
    );
    await open(page, 'devices');
    const pending = page.getByTestId('pending').locator('li', { hasText: code });
    await pending.waitFor();
    assert.match(await text(pending), new RegExp(fingerprint.replace(/[^0-9A-Za-z]/g, '.')));
    const approve = pending.getByRole('button', { name: /Approve/ });
    assert.equal(await approve.isDisabled(), true, 'approval waits for the fingerprint to be confirmed');
    await pending.getByLabel(/same code and fingerprint/).check();
    await approve.click();
    assert.equal(await enroll.done, 0, enroll.output());
    await page.getByTestId('devices').locator('strong', { hasText: 'agent' }).waitFor();
    const agent = aura(agentHome, ['agent']);
    await waitFor(() => agent.output().includes('Agent connected'), 60_000, agent.output);
  });

  it('asks for the meeting, approves it with this browser’s key, and sees it in the week', async () => {
    await open(page, 'assistant');
    await page.getByLabel('Ask Aura').fill('Schedule a meeting with John tomorrow at 3pm');
    await page.getByRole('button', { name: 'Ask' }).click();
    const answer = page.getByTestId('answer');
    await answer.waitFor({ timeout: 30_000 });
    assert.match(await text(answer), /calendar\.create_event/);
    assert.match(await text(answer), /asks you first/);
    assert.match(await text(answer), /John Appleseed/);
    // The agent checks the time is free; the event waits for this browser's signature, and the
    // timeline moves by the notifications WebSocket, not by reloading.
    const approve = answer.getByRole('button', { name: /Approve calendar\.create_event/ });
    await approve.waitFor({ timeout: 60_000 });
    await screenshots(page, 'assistant-approval');
    await approve.click();
    await answer.locator('[data-testid="task"][data-status="completed"]').waitFor({ timeout: 60_000 });
    assert.match(await text(answer.locator('.timeline')), /approval decided \(approve\)/);
    assert.match(await text(answer.locator('.timeline')), /completed/);

    await open(page, 'calendar');
    const tomorrow = new Date(Date.now() + 86_400_000);
    if (tomorrow.getDay() === 1) await page.getByRole('button', { name: 'Next week' }).click();
    const event = page.getByTestId('event').filter({ hasText: 'John Appleseed' });
    await event.waitFor();
    assert.match(await text(event), /15:00|3:00/);
  });

  it('keeps the conversation encrypted in the vault: it is there after a reload', async () => {
    await open(page, 'assistant');
    await page
      .getByRole('complementary', { name: 'Conversations' })
      .getByRole('button', { name: /Schedule a meeting with John/ })
      .click();
    await page.getByTestId('answer').waitFor();
  });

  it('with the encrypted setting, the server reads the intent from features encrypted in the browser', async () => {
    const setReasoning = async (label: RegExp) => {
      await open(page, 'settings');
      await page.getByLabel(label).check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('button', { name: 'Save' }).and(page.locator(':enabled')).waitFor();
    };
    await setReasoning(/intent read by the server from encrypted features/);
    try {
      await open(page, 'assistant');
      await page.getByLabel('Ask Aura').fill('Schedule a meeting with John tomorrow at 5pm');
      await page.getByRole('button', { name: 'Ask' }).click();
      const answer = page.getByTestId('answer').filter({ hasText: /encrypted intent model/ });
      await answer.waitFor({ timeout: 60_000 });
      assert.match(await text(answer), /calendar\.create_event/);
      assert.match(
        await text(answer),
        /The encrypted intent model \(evaluated by the server on ciphertext\) read the request/,
      );
      assert.ok(
        network.some((line) => line.includes('/api/v1/ai/inference/he')),
        'the query went to the HE route',
      );
    } finally {
      await setReasoning(/^In this browser \(the offline model/);
    }
  });

  it('a second browser joins as a device by code and fingerprint and sees the same data', async () => {
    phone = await browser();
    await phone.setViewportSize(WIDTHS.phone);
    await phone.goto(base);
    await phone.getByRole('tab', { name: 'Add this browser' }).click();
    await phone.getByLabel('Email').fill(email);
    await phone.getByLabel('Name of this browser').fill('phone browser');
    await phone.getByRole('button', { name: 'Ask to join' }).click();
    const code = await text(phone.getByTestId('enroll-code'));
    const fingerprint = await text(phone.getByTestId('enroll-fingerprint'));
    await screenshots(phone, 'enroll-waiting');

    await open(page, 'devices');
    const pending = page.getByTestId('pending').locator('li', { hasText: code });
    await pending.waitFor();
    assert.ok((await text(pending)).includes(fingerprint), 'the approving browser shows the same fingerprint');
    await pending.getByLabel(/same code and fingerprint/).check();
    await pending.getByRole('button', { name: /Approve/ }).click();

    await phone.getByRole('navigation', { name: 'Screens' }).waitFor({ timeout: 30_000 });
    await open(phone, 'people');
    await phone.getByTestId('people').locator('strong', { hasText: 'John Appleseed' }).waitFor();
    await open(phone, 'calendar');
    const tomorrow = new Date(Date.now() + 86_400_000);
    if (tomorrow.getDay() === 1) await phone.getByRole('button', { name: 'Next week' }).click();
    await phone.getByTestId('event').filter({ hasText: 'John Appleseed' }).waitFor();
  });

  it('asks which John when two match, plans with the one the answer names, and takes feedback in one click', async () => {
    await open(page, 'people');
    await page.getByLabel('Name').fill('John Smith');
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByTestId('people').locator('strong', { hasText: 'John Smith' }).waitFor();
    await open(page, 'assistant');
    await page.getByRole('button', { name: 'New conversation' }).click();
    await page.getByLabel('Ask Aura').fill('Schedule a meeting with John tomorrow at 5pm');
    await page.getByRole('button', { name: 'Ask' }).click();
    const question = page.getByLabel(/Which John/);
    await question.waitFor({ timeout: 30_000 });
    await question.fill('John Smith');
    await page.getByRole('button', { name: 'Answer' }).click();
    const answered = page.getByTestId('answer').nth(1);
    await answered.getByRole('list', { name: 'The plan' }).waitFor({ timeout: 30_000 });
    assert.match(await text(answered), /with John Smith/);
    assert.match(await text(answered), /calendar\.create_event/);
    await answered.getByRole('button', { name: 'Understood right' }).click();
    await answered.getByText('Noted, thank you.').waitFor();
  });

  it('verifies the audit log in the browser, and turns red when the database rewrites an entry', async () => {
    await open(page, 'audit');
    await page.locator('[data-testid="audit-status"][data-valid="true"]').waitFor({ timeout: 30_000 });
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: db.url });
    await client.connect();
    try {
      // A hostile database flips the result of the account's first entry.
      const rewritten = await client.query(
        `UPDATE audit_entries SET leaf_input = convert_to(replace(convert_from(leaf_input, 'UTF8'), '"success"', '"failure"'), 'UTF8')
          WHERE user_id = (SELECT id FROM users WHERE email = $1) AND idx = 0`,
        [email],
      );
      assert.equal(rewritten.rowCount, 1);
    } finally {
      await client.end();
    }
    await page.getByRole('button', { name: 'Verify again' }).click();
    const failed = page.locator('[data-testid="audit-status"][data-valid="false"]');
    await failed.waitFor({ timeout: 30_000 });
    assert.match(await text(failed), /rewritten|bad_entry|did not verify/);
    await screenshots(page, 'audit-failed');
  });

  it('every screen is accessible (axe: no serious or critical violation) at desktop and phone widths', async () => {
    for (const screen of SCREENS) {
      await open(page, screen);
      await page.waitForLoadState('networkidle');
      // Its forms appear once the worker has opened the sealed settings.
      if (screen === 'settings') await page.getByRole('heading', { name: 'Search by meaning' }).waitFor();
      await screenshots(page, screen);
      await accessibility(page, screen);
      await page.setViewportSize(WIDTHS.phone);
      await accessibility(page, `${screen} (phone)`);
      await page.setViewportSize(WIDTHS.desktop);
    }
  });

  it('changes the password, logs out everywhere (the other browser too), and logs in with the new one', async () => {
    const next = `${password}-new`;
    await open(page, 'settings');
    await page.getByLabel('Current password').fill(password);
    await page.getByLabel('New password').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Log out everywhere' }).click();
    await page.getByRole('tab', { name: 'Log in' }).waitFor();
    assert.ok(phone, 'the second browser joined');
    await phone.reload();
    // The phone's session was revoked with the rest: on its next start it asks to log in.
    await phone.getByRole('tab', { name: 'Log in' }).waitFor({ timeout: 30_000 });
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText(/AURA_/).waitFor({ timeout: 30_000 });
    await page.getByLabel('Password').fill(next);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Screens' }).waitFor({ timeout: 30_000 });
  });

  it('sent nothing readable: no plaintext, password or device key in any request; nothing to another host; no CSP violation', async () => {
    const state = await page.evaluate(
      () =>
        new Promise<string>((resolve, reject) => {
          const request = indexedDB.open('aura-device');
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            const get = request.result.transaction('keyval').objectStore('keyval').get('state');
            get.onsuccess = () => resolve(JSON.stringify(get.result));
          };
        }),
    );
    const device = JSON.parse(state).device as { sealing: { secretKey: string }; signing: { secretKey: string } };
    const log = network.join('\n');
    assert.ok(log.includes('/api/v1/auth/srp/verify'), 'the keys worker’s requests are in the log');
    assert.ok(log.includes('/api/v1/notifications/connect'), 'the notifications WebSocket is in the log');
    for (const secret of [
      marker,
      password,
      'John Appleseed',
      'colleague',
      device.sealing.secretKey,
      device.signing.secretKey,
    ]) {
      assert.equal(log.includes(secret), false, `"${secret.slice(0, 12)}…" left the browser`);
    }
    assert.deepEqual([...hosts], [new URL(base).host]);
    assert.deepEqual(cspViolations, []);
  });
});
