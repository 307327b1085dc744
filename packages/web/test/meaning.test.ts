import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CHROMIUM_NEED,
  dumpDatabase,
  type EmbeddingsServer,
  forms,
  freePort,
  type HeadlessChromium,
  launchChromium,
  migratedDatabase,
  type ServerProcess,
  skipUnless,
  spawnServer,
  startEmbeddingsServer,
  type TestDatabase,
  topicVector,
} from '@aura/testing';
import type { Locator, Page } from 'playwright-core';
import { accessibility } from './axe.ts';
import { hearCspViolations } from './csp.ts';

// Issue 22 in the dashboard, in Debian's Chromium against the real server: with the setting off,
// notes are found by their words; with an OpenAI-compatible embeddings endpoint set (a local
// server speaking the protocol, with fixed topic vectors), a note that never says "dentist" is
// found by "dentist", marked as found by meaning. The browser calls the endpoint itself, allowed
// by AURA_WEB_CONNECT_ORIGINS; an endpoint the policy blocks, or one without CORS, is refused
// with a message that says what to do. A change of model re-embeds in the background with
// progress. Afterwards the database holds neither the notes' texts nor their vectors in clear.
const skip = skipUnless(CHROMIUM_NEED);
const DIST = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const ARTIFACTS =
  process.env.AURA_WEB_ARTIFACTS ?? fileURLToPath(new URL('../../../.tmp/web-screens', import.meta.url));
const screenshot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `meaning-${name}.png`), fullPage: true });

const email = `meaning-${Date.now()}@example.com`;
const password = `pw-${crypto.randomUUID()}`;
const PATEL = 'Appointment with Dr. Patel on Thursday, teeth cleaning';
const COROLLA = 'Oil change and new brake pads for the Corolla at Midas';
const PERSON = 'Priya Raman';

let db: TestDatabase;
let server: ServerProcess;
let base: string;
let embeddings: EmbeddingsServer;
/** Allowed by the policy, but answers no cross-origin request (no CORS headers). */
let noCors: EmbeddingsServer;
/** Answers CORS, but the policy does not name it. */
let unlisted: EmbeddingsServer;
let chromium: HeadlessChromium;
let page: Page;
/** What the pages and their workers sent to the Aura server. */
const toServer: string[] = [];
const cspViolations: string[] = [];

const text = async (locator: Locator) => (await locator.textContent()) ?? '';

/** The screen, shown afresh (by another one when it is the one shown: its last search is gone). */
async function open(screen: string) {
  const shown = (name: string) =>
    page.getByRole('navigation', { name: 'Screens' }).locator(`a[href="#/${name}"][aria-current="page"]`).waitFor();
  // The other screen must be drawn before this one is asked for: two hash changes in a row can
  // reach the app as one, and the screen (with what was typed into it) would stay as it was.
  if (new URL(page.url()).hash === `#/${screen}`) {
    await page.goto(`${base}/#/support`);
    await shown('support');
  }
  await page.goto(`${base}/#/${screen}`);
  await shown(screen);
}

async function searchNotes(query: string, type = 'any') {
  await page.getByLabel('Search notes').fill(query);
  await page.getByLabel('Of type').selectOption(type);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

/** The search setting as a person sets it; resolves when the form is done (saved or refused). */
async function setMeaning(choice: RegExp, endpoint?: { url: string; model: string }) {
  // Afresh: the settings form without the last try's message.
  await open('settings');
  const form = page.locator('form', { has: page.getByRole('heading', { name: 'Search by meaning' }) });
  await form.getByLabel(choice).check();
  if (endpoint) {
    await form.getByLabel('Endpoint URL').fill(endpoint.url);
    await form.getByLabel('Embedding model').fill(endpoint.model);
  }
  await form.getByRole('button', { name: 'Check and use' }).click();
  await form.getByText('Saved for your devices.').or(form.getByRole('alert')).waitFor({ timeout: 60_000 });
  return form;
}

/** What this browser's IndexedDB store of sealed indexes holds: each name, and its bytes in hex. */
function storedIndexes(): Promise<[string, string][]> {
  return page.evaluate(
    () =>
      new Promise<[string, string][]>((resolve, reject) => {
        const request = indexedDB.open('aura-memory');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const store = request.result.transaction('keyval').objectStore('keyval');
          const keys = store.getAllKeys();
          const values = store.getAll();
          values.onsuccess = () =>
            resolve(
              (keys.result as string[]).map((k, i) => [
                k,
                Array.from(values.result[i] as Uint8Array, (b) => b.toString(16).padStart(2, '0')).join(''),
              ]),
            );
        };
      }),
  );
}

describe('the dashboard searches by meaning against a local OpenAI-embeddings protocol server', {
  skip,
  timeout: 300_000,
}, () => {
  before(async () => {
    assert.ok(existsSync(DIST), 'packages/web/dist is not built: npm run build:web (scripts/test.mjs builds it)');
    mkdirSync(ARTIFACTS, { recursive: true });
    db = await migratedDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    [embeddings, noCors, unlisted] = await Promise.all([
      startEmbeddingsServer((t) => topicVector(t), { cors: [base] }),
      startEmbeddingsServer((t) => topicVector(t)),
      startEmbeddingsServer((t) => topicVector(t), { cors: [base] }),
    ]);
    server = await spawnServer({
      DATABASE_URL: db.url,
      PORT: String(port),
      AURA_RATE_LIMIT_DEFAULT: '100000',
      AURA_EXECUTOR_ID: `web-meaning-${port}`,
      AURA_WEB_CONNECT_ORIGINS: [embeddings, noCors].map((e) => new URL(e.url).origin).join(','),
    });
    chromium = await launchChromium();
    chromium.context.on('request', (r) => {
      if (new URL(r.url()).origin === base) toServer.push(`${r.method()} ${r.url()}\n${r.postData() ?? ''}`);
    });
    page = await chromium.context.newPage();
    hearCspViolations(page, cspViolations);
    await page.goto(base);
    await page.getByRole('tab', { name: 'Create account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password again').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('navigation', { name: 'Screens' }).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await chromium?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    await Promise.all([embeddings, noCors, unlisted].map((e) => e?.close()));
    await db?.drop();
  });

  it('with the setting off, finds notes by their words only, and "dentist" finds nothing', async () => {
    await open('notes');
    await page.getByLabel('Text').fill(PATEL);
    await page.getByRole('button', { name: 'Add', exact: true }).first().click();
    const notes = page.getByTestId('notes');
    await notes.getByText(PATEL).waitFor();
    await open('people');
    await page.getByLabel('Name').fill(PERSON);
    await page.getByLabel('Notes').fill('board member, reviews the slide deck');
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByTestId('people').locator('strong', { hasText: PERSON }).waitFor();

    await open('notes');
    await searchNotes('teeth cleaning');
    // The search's hits, not the list shown before them: a hit says how it was found.
    const hit = notes.locator('li[data-via="words"]', { hasText: PATEL });
    await hit.waitFor();
    assert.match(await text(hit), /confidence 1\.00/);
    assert.doesNotMatch(await text(hit), /by meaning/);
    await searchNotes('dentist');
    await notes.getByText('No note matches “dentist”.').waitFor();
    assert.deepEqual(embeddings.requests, [], 'nothing was sent to an endpoint while the setting is off');
  });

  it('refuses bad settings with a message a person can act on, and changes nothing', async () => {
    const refusals: [string, string, RegExp][] = [
      ['ftp://127.0.0.1/v1', 'fixed-topics', /must be an http:\/\/ or https:\/\/ address/],
      [embeddings.url, '   ', /name the embedding model/],
      [`${base}/v1`, 'fixed-topics', /must not be the Aura server/],
      [
        unlisted.url,
        'fixed-topics',
        /security policy does not let the dashboard connect to http:\/\/127\.0\.0\.1:\d+: the operator adds it with AURA_WEB_CONNECT_ORIGINS=/,
      ],
      [
        noCors.url,
        'fixed-topics',
        /did not answer this browser: .*refuses cross-origin requests \(CORS\): it must allow the origin http:\/\/127\.0\.0\.1/,
      ],
    ];
    for (const [url, model, message] of refusals) {
      const form = await setMeaning(/OpenAI-compatible embeddings endpoint/, { url, model });
      assert.match(await text(form.getByRole('alert')), message, url);
    }
    // The form with the endpoint's fields and a refusal is accessible too.
    await accessibility(page, 'settings: search by meaning, refused');
    await screenshot('settings-refused');
    await open('settings');
    const form = page.locator('form', { has: page.getByRole('heading', { name: 'Search by meaning' }) });
    assert.equal(await form.getByLabel(/by their words only/).isChecked(), true, 'the setting is still off');
    assert.match(await text(form.getByTestId('meaning-state')), /In use: words only\./);
    assert.deepEqual(embeddings.requests, []);
  });

  it('with the endpoint set, re-embeds in the background and finds "dentist" by meaning, in the browser', async () => {
    const form = await setMeaning(/OpenAI-compatible embeddings endpoint/, {
      url: embeddings.url,
      model: 'fixed-topics',
    });
    await form.getByText('Saved for your devices.').waitFor();
    // The notes and the person saved while the setting was off get their vectors now.
    const done = page.locator('[data-testid="reembed"][data-state="done"]');
    await done.waitFor({ timeout: 60_000 });
    assert.match(await text(done), /Re-embedded with openai:fixed-topics: \d+ notes?, 1 person/);
    // The index's SIMD kernel compiles in the keys worker under the page's policy ('wasm-unsafe-eval').
    assert.match(
      await text(form.getByTestId('meaning-state')),
      /In use: openai:fixed-topics\. The index runs in WebAssembly SIMD\./,
    );

    await open('notes');
    await searchNotes('dentist');
    const hit = page.getByTestId('notes').locator('li[data-via]:not([data-via=""])', { hasText: PATEL });
    await hit.waitFor();
    assert.equal(await hit.getAttribute('data-via'), 'meaning');
    assert.match(await text(hit), /by meaning/);
    const confidence = Number(/confidence (\d\.\d\d)/.exec(await text(hit))?.[1]);
    assert.ok(confidence > 0.3, `confidence ${confidence}`);
    await accessibility(page, 'notes: hits by meaning');
    await screenshot('notes-hits');
    // The type filter applies to both lists: Dr. Patel's note is a note, not a preference.
    await searchNotes('dentist', 'preference');
    await page.getByTestId('notes').getByText('No note matches “dentist”.').waitFor();

    // A note saved now is written with its vector (asked for as it is saved), found by meaning.
    await searchNotes('');
    await page.getByLabel('Text').fill(COROLLA);
    await page.getByRole('button', { name: 'Add', exact: true }).first().click();
    await page.getByTestId('notes').getByText(COROLLA).waitFor();
    assert.ok(embeddings.requests.some((r) => r.input.includes(COROLLA)));
    await searchNotes('vehicle maintenance');
    await page.getByTestId('notes').locator('li[data-via="meaning"]', { hasText: COROLLA }).waitFor();

    // An edit (a reminder ticked off) writes the record again with the vector of its text (a
    // vault update without one would drop it, and meaning would no longer find it).
    const PILLS = 'Take 20 mg of lisinopril every morning';
    await searchNotes('');
    await page.getByLabel('New').selectOption('reminder');
    await page.getByLabel('Text').fill(PILLS);
    await page.getByRole('button', { name: 'Add', exact: true }).first().click();
    // Ticked once saved: the box shows the record as it is stored.
    await page.getByLabel(PILLS).click();
    await page.getByLabel(PILLS).and(page.locator(':checked')).waitFor();
    await searchNotes('blood pressure medication');
    const reminder = page.locator('li[data-via="meaning"]', { hasText: PILLS });
    await reminder.waitFor();
    assert.equal(await reminder.getByRole('checkbox').isChecked(), true);

    await open('people');
    await page.getByLabel('Search people').fill('presentation directors');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    // The person's vector is of "Priya Raman board member…", which the topic model does not know:
    // words find no one, and neither does meaning above 0.3.
    await page.getByTestId('people').getByText('No one matches').waitFor();
    await page.getByLabel('Search people').fill('board');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByTestId('people').locator('li[data-via~="words"]', { hasText: PERSON }).waitFor();
  });

  it('the reasoning engine in the browser retrieves the notes nearest a request, by meaning', async () => {
    await open('assistant');
    await page.getByLabel('Ask Aura').fill('dentist');
    await page.getByRole('button', { name: 'Ask' }).click();
    const retrieved = page.getByTestId('answer').getByTestId('retrieved');
    await retrieved.waitFor({ timeout: 60_000 });
    assert.match(await text(retrieved), new RegExp(`${PATEL.replace(/\./g, '\\.')} confidence 0\\.\\d\\d`));
    // The conversation the request started is the dashboard's own record: never a note's hit.
    await open('notes');
    await searchNotes('dentist');
    const notes = page.getByTestId('notes');
    await notes.locator('li[data-via="meaning"]', { hasText: PATEL }).waitFor();
    assert.equal(await notes.locator('li').count(), 1);
  });

  it('when the endpoint fails, words alone find, and the screen says so once', async () => {
    await open('notes');
    embeddings.failNext.push(500, 500);
    await searchNotes('teeth');
    const hit = page.getByTestId('notes').locator('li[data-via]:not([data-via=""])', { hasText: PATEL });
    await hit.waitFor();
    assert.equal(await hit.getAttribute('data-via'), 'words');
    assert.deepEqual(embeddings.failNext, [], 'the search asked the endpoint, which failed twice');
    const notice = page.getByTestId('search-notice');
    await notice.waitFor();
    assert.equal(await notice.count(), 1);
    assert.match(await text(notice), /^Found by words only: .*HTTP 500/);
  });

  it('after a change of model, re-embeds in the background with progress, the dashboard usable meanwhile, and resumes after a failure', async () => {
    // The batch of notes waits at the endpoint until released: meanwhile the progress shows.
    const release = embeddings.holdWhile((input) => input.length > 1);
    try {
      const form = await setMeaning(/OpenAI-compatible embeddings endpoint/, {
        url: embeddings.url,
        model: 'fixed-topics-2',
      });
      await form.getByText('Saved for your devices.').waitFor();
      const running = page.locator('[data-testid="reembed"][data-state="running"]');
      await running.waitFor();
      assert.match(await text(running), /Re-embedding notes 0\/\d+/);
      await accessibility(page, 'settings: re-embedding');
      await screenshot('settings-reembedding');
      // Not blocked: another screen opens and lists its records while the notes wait.
      await open('people');
      await page.getByTestId('people').locator('strong', { hasText: PERSON }).waitFor();
      assert.match(await text(page.getByTestId('reembed')), /Re-embedding notes 0\/\d+/);
      // The endpoint fails the held batch (and the provider's retry of it).
      embeddings.failNext.push(500, 500);
    } finally {
      release();
    }
    const failed = page.locator('[data-testid="reembed"][data-state="failed"]');
    await failed.waitFor({ timeout: 30_000 });
    assert.match(
      await text(failed),
      /Re-embedding stopped at notes 0\/\d+: .*HTTP 500\); it goes on from there in 5 s\. Words find them meanwhile\./,
    );
    // The next pass starts where this one stopped, by itself.
    const done = page.locator('[data-testid="reembed"][data-state="done"]');
    await done.waitFor({ timeout: 60_000 });
    assert.match(await text(done), /Re-embedded with openai:fixed-topics-2: \d+ notes, 1 person/);
    assert.ok(embeddings.requests.some((r) => r.model === 'fixed-topics-2' && r.input.includes(PATEL)));
    // The dashboard's own records are not the user's notes: never sent to be embedded.
    assert.ok(!embeddings.requests.some((r) => r.input.includes('dashboard settings')));
    await open('notes');
    await searchNotes('dentist');
    await page.getByTestId('notes').locator('li[data-via="meaning"]', { hasText: PATEL }).waitFor();
  });

  it('keeps the decrypted index in this browser between visits, sealed: IndexedDB holds no vector in clear', async () => {
    const stored = await storedIndexes();
    const names = stored.map(([name]) => name);
    assert.ok(
      names.some((n) => /^memory-index\/[^/]+\/contexts\/openai:fixed-topics-2$/.test(n)),
      names.join(', '),
    );
    const vector = Buffer.from(new Uint8Array(topicVector(PATEL).buffer).subarray(0, 16)).toString('hex');
    const text = Buffer.from(PATEL).toString('hex');
    for (const [name, hex] of stored) {
      assert.ok(hex.length > 64, name);
      assert.ok(!hex.includes(vector) && !hex.includes(text), `${name} holds a vector or a text in clear`);
    }
    // A new visit (the worker starts afresh) searches from it and still finds by meaning.
    await page.reload();
    await page.getByRole('navigation', { name: 'Screens' }).waitFor({ timeout: 60_000 });
    await open('notes');
    await searchNotes('dentist');
    await page.getByTestId('notes').locator('li[data-via="meaning"]', { hasText: PATEL }).waitFor();
  });

  it('the server saw neither the texts nor the vectors: not in its database, its requests or its log', async () => {
    const dump = `${await dumpDatabase(db.url)}\n${server.output()}\n${toServer.join('\n')}`;
    const secrets = [
      ...forms(PATEL),
      ...forms(COROLLA),
      ...forms(PERSON),
      ...forms('fixed-topics'),
      ...forms(new Uint8Array(topicVector(PATEL).buffer).subarray(0, 32)),
      ...forms(new Uint8Array(topicVector('dentist').buffer).subarray(0, 32)),
    ];
    for (const form of secrets) assert.ok(!dump.includes(form), `the server holds ${form.slice(0, 24)}`);
    assert.ok(dump.includes('\\x'), 'the dump holds the ciphertexts');
    // The one violation expected: the endpoint the policy does not name, refused as it should be.
    assert.ok(
      cspViolations.some((v) => v.includes(new URL(unlisted.url).host)),
      `the keys worker's violations are seen: ${cspViolations.join('\n')}`,
    );
    assert.deepEqual(
      cspViolations.filter((v) => !v.includes(new URL(unlisted.url).host)),
      [],
    );
  });

  it('the builtin embedding, on this device, finds a misspelt note by its letters, and sends nothing to any endpoint', async () => {
    const sent = embeddings.requests.length;
    const form = await setMeaning(/builtin embedding, on this device/);
    await form.getByText('Saved for your devices.').waitFor();
    const done = page.locator('[data-testid="reembed"][data-state="done"]', { hasText: 'builtin:ngram-256-v1' });
    await done.waitFor({ timeout: 60_000 });
    await open('notes');
    await searchNotes('teeth cleanig');
    const hit = page.getByTestId('notes').locator('li[data-via="meaning"]', { hasText: PATEL });
    await hit.waitFor();
    assert.equal(embeddings.requests.length, sent);
  });

  it('logging out deletes the sealed index from this browser', async () => {
    assert.ok((await storedIndexes()).length > 0);
    await open('settings');
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.getByRole('tab', { name: 'Log in' }).waitFor();
    assert.deepEqual(await storedIndexes(), []);
  });
});
