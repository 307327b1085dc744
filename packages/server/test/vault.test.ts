import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { serverAuditLog, startTestServer, type TestServer, TestUser } from '@aura/testing';
import type { InjectOptions } from 'fastify';
import { CursorCodec } from '../src/modules/vault/cursor.ts';
import { VaultRepository } from '../src/modules/vault/repository.ts';

let server: TestServer;
let alice: TestUser;

before(async () => {
  server = await startTestServer();
  alice = new TestUser((o) => server.app.inject(o));
  await alice.register();
  const login = await alice.login();
  assert.equal(login.statusCode, 200, login.body);
});
after(() => server?.close());

const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: InjectOptions['payload']) =>
  server.app.inject({ method, url, headers: alice.auth, ...(payload === undefined ? {} : { payload }) });

for (const [collection, base] of [
  ['contexts', '/api/v1/context'],
  ['relationships', '/api/v1/relationships'],
  ['learning-events', '/api/v1/learning-events'],
] as const) {
  describe(`vault: ${collection}`, () => {
    it('stores, gets, updates with the row version, refuses a stale version, deletes', async () => {
      const body = alice.record(collection, 'Lunch with John on Friday');
      const created = await api('POST', base, body);
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().version, 1);
      const got = await api('GET', `${base}/${body.id}`);
      assert.equal(alice.open(collection, got.json()), 'Lunch with John on Friday');

      // The new envelope is sealed for this record's slot, as a client must.
      const { id: _sameId, ...fields } = alice.record(collection, 'Lunch with John moved to Saturday', {}, body.id, 2);
      const updated = await api('PUT', `${base}/${body.id}`, { ...fields, version: 1 });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal(updated.json().version, 2);
      assert.equal(alice.open(collection, updated.json()), 'Lunch with John moved to Saturday');
      const stale = await api('PUT', `${base}/${body.id}`, { ...fields, version: 1 });
      assert.equal(stale.statusCode, 409);
      assert.equal(stale.json().error.code, 'AURA_CONFLICT');
      const duplicate = await api('POST', base, body);
      assert.equal(duplicate.json().error.code, 'AURA_CONFLICT');

      const stale_delete = await api('DELETE', `${base}/${body.id}`, alice.deletion(collection, body.id, 1));
      assert.equal(stale_delete.json().error.code, 'AURA_CONFLICT', 'a delete applies only to the version it names');
      assert.equal((await api('DELETE', `${base}/${body.id}`, alice.deletion(collection, body.id, 2))).statusCode, 204);
      assert.equal((await api('GET', `${base}/${body.id}`)).statusCode, 404);
      assert.equal((await api('DELETE', `${base}/${body.id}`, alice.deletion(collection, body.id, 2))).statusCode, 404);
    });

    it('refuses a write without a signed change, or whose change does not match it, storing nothing', async () => {
      const { change, ...unsigned } = alice.record(collection, 'Unsigned note');
      const missing = await api('POST', base, unsigned);
      assert.equal(missing.statusCode, 400);
      assert.equal(missing.json().error.code, 'AURA_INVALID_INPUT');
      const other = alice.record(collection, 'Another note');
      const mismatched = await api('POST', base, { ...unsigned, change: other.change });
      assert.equal(mismatched.json().error.code, 'AURA_INVALID_INPUT');
      assert.match(mismatched.json().error.message, /change: statement\.recordId does not match/);
      const forged = await api('POST', base, {
        ...unsigned,
        change: { ...change, signature: Buffer.alloc(64, 1).toString('base64') },
      });
      assert.equal(forged.json().error.code, 'AURA_INVALID_INPUT');
      for (const id of [unsigned.id]) assert.equal((await api('GET', `${base}/${id}`)).statusCode, 404);
      const undeletable = await api('DELETE', `${base}/${other.id}`);
      assert.equal(undeletable.statusCode, 400, 'a delete without a signed change is refused');
    });

    it('searches by blind-index tokens, all-of and any-of, and by prefix', async () => {
      const a = alice.record(collection, 'Dinner with Sarah Connor');
      const b = alice.record(collection, 'Call Sarah about the budget');
      for (const r of [a, b]) assert.equal((await api('POST', base, r)).statusCode, 201);
      const search = async (query: string, mode: 'all' | 'any') => {
        const res = await api('POST', `${base}/search`, { tokens: alice.searchTokens(collection, query), mode });
        assert.equal(res.statusCode, 200, res.body);
        return res
          .json()
          .records.map((r: { id: string }) => r.id)
          .sort();
      };
      assert.deepEqual(await search('sarah', 'all'), [a.id, b.id].sort());
      assert.deepEqual(await search('sarah dinner', 'all'), [a.id]);
      assert.deepEqual(await search('dinner budget', 'any'), [a.id, b.id].sort());
      assert.deepEqual(await search('sar', 'all'), [a.id, b.id].sort());
      assert.deepEqual(await search('nobody', 'all'), []);
    });

    it('learn stores a new record, then replaces the one the client names, with its signed deletion', async () => {
      const first = alice.record(collection, 'Preference: meetings are 30 minutes');
      const stored = await api('POST', `${base}/learn`, { record: first });
      assert.deepEqual(stored.json(), { status: 'stored', id: first.id, replacedId: null, version: 1 });
      const second = alice.record(collection, 'Preference: meetings are 45 minutes');
      const replace = { id: first.id, ...alice.deletion(collection, first.id, 1) };
      const replaced = await api('POST', `${base}/learn`, { record: second, replace });
      assert.deepEqual(replaced.json(), { status: 'replaced', id: second.id, replacedId: first.id, version: 1 });
      assert.equal((await api('GET', `${base}/${first.id}`)).statusCode, 404);
      assert.equal(
        alice.open(collection, (await api('GET', `${base}/${second.id}`)).json()),
        'Preference: meetings are 45 minutes',
      );
    });

    it('lists in pages, filters by update time, hides expired records and purges them', async () => {
      const past = new Date(Date.now() - 60_000).toISOString();
      const expired = alice.record(collection, 'old note', { expiresAt: past });
      assert.equal((await api('POST', base, expired)).statusCode, 201);
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api('GET', `${base}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json();
        assert.ok(page.records.length <= 2);
        ids.push(...page.records.map((r: { id: string }) => r.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(new Set(ids).size, ids.length, 'no record twice');
      assert.ok(!ids.includes(expired.id), 'expired records are hidden');
      const all = (await api('GET', `${base}?limit=500&includeExpired=true`)).json();
      assert.ok(all.records.some((r: { id: string }) => r.id === expired.id));
      const future = (
        await api('GET', `${base}?updatedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)
      ).json();
      assert.deepEqual(future.records, []);
      const purge = await api('POST', `${base}/purge-expired`);
      assert.ok(purge.json().purged >= 1);
      assert.ok(
        !(await api('GET', `${base}?includeExpired=true&limit=500`))
          .json()
          .records.some((r: { id: string }) => r.id === expired.id),
      );
      assert.equal((await api('GET', `${base}?cursor=not-a-cursor`)).json().error.code, 'AURA_INVALID_INPUT');
    });

    it('refuses a checksum that is not the SHA-256 of the ciphertext, storing nothing', async () => {
      const body = { ...alice.record(collection, 'x'), checksum: Buffer.alloc(32).toString('base64') };
      const res = await api('POST', base, body);
      assert.equal(res.statusCode, 400);
      assert.equal((await api('GET', `${base}/${body.id}`)).statusCode, 404);
      assert.equal((await api('GET', `${base}/${randomUUID()}`)).statusCode, 404);
    });
  });
}

describe('vault: creates sent at once', () => {
  it('share a transaction, and each is stored or refused on its own', async () => {
    const base = '/api/v1/context';
    const count = async (sql: string) =>
      Number((await server.pool.query<{ n: string }>(sql, [alice.userId])).rows[0]?.n);
    const entries = () => count('SELECT count(*) AS n FROM audit_entries WHERE user_id = $1');
    const checkpoints = () => count('SELECT count(*) AS n FROM audit_checkpoints WHERE user_id = $1');
    const deleted = alice.record('contexts', 'soon deleted');
    assert.equal((await api('POST', base, deleted)).statusCode, 201);
    assert.equal(
      (await api('DELETE', `${base}/${deleted.id}`, alice.deletion('contexts', deleted.id, 1))).statusCode,
      204,
    );
    const [entriesBefore, checkpointsBefore] = [await entries(), await checkpoints()];

    const good = Array.from({ length: 30 }, (_, i) => alice.record('contexts', `batched note ${i}`));
    const twice = alice.record('contexts', 'sent twice');
    const { change, ...unsigned } = alice.record('contexts', 'forged');
    const forged = { ...unsigned, change: { ...change, signature: Buffer.alloc(64, 1).toString('base64') } };
    const reused = alice.record('contexts', 'an id that was deleted', {}, deleted.id);
    const bodies = [...good.slice(0, 10), twice, forged, ...good.slice(10, 20), twice, reused, ...good.slice(20)];
    const answers = await Promise.all(bodies.map((body) => api('POST', base, body)));

    const byBody = new Map<unknown, number[]>();
    for (const [i, body] of bodies.entries())
      byBody.set(body, [...(byBody.get(body) ?? []), answers[i]?.statusCode ?? 0]);
    for (const body of good) assert.deepEqual(byBody.get(body), [201]);
    assert.deepEqual(byBody.get(twice)?.sort(), [201, 409], 'the same id twice: one stored, one conflict');
    const forgedAnswer = answers[bodies.indexOf(forged)];
    assert.equal(forgedAnswer?.json().error.code, 'AURA_INVALID_INPUT');
    assert.match(answers[bodies.indexOf(reused)]?.json().error.message ?? '', /existed and was deleted/);
    assert.equal((await api('GET', `${base}/${forged.id}`)).statusCode, 404, 'a forged change stores nothing');
    for (const body of [...good, twice]) assert.equal((await api('GET', `${base}/${body.id}`)).statusCode, 200);

    // One entry per stored write, each at the index its answer named, and fewer checkpoints than
    // entries: writes that arrived together were committed (and their checkpoint signed) together.
    const added = (await entries()) - entriesBefore;
    assert.equal(added, good.length + 1);
    const sizes = answers.filter((a) => a.statusCode === 201).map((a) => Number(a.headers['aura-log-size']));
    assert.deepEqual(
      sizes.sort((a, b) => a - b),
      Array.from({ length: added }, (_, i) => entriesBefore + i + 1),
      "each stored write names its own entry, and no entry is anyone else's",
    );
    assert.ok((await checkpoints()) - checkpointsBefore < added, 'writes sent at once share checkpoints');
  });

  it('one create PostgreSQL refuses fails alone: the others of its batch are stored', async () => {
    const { log } = await serverAuditLog(server);
    const repo = new VaultRepository(server.pool, 'contexts', log, new CursorCodec(randomBytes(32)));
    const writer = { userId: alice.userId, deviceId: alice.deviceId };
    const bodies = Array.from({ length: 12 }, (_, i) => alice.record('contexts', `note ${i}`));
    // Not a timestamp: PostgreSQL refuses the statement, and with it the whole batch.
    const bad = { ...(bodies[5] as (typeof bodies)[number]), expiresAt: 'next tuesday-ish' };
    bodies[5] = bad;
    const results = await Promise.allSettled(bodies.map(({ id, ...fields }) => repo.create(writer, id, fields)));
    for (const [i, result] of results.entries()) {
      if (i === 5) {
        assert.equal(result.status, 'rejected');
        assert.equal((result as PromiseRejectedResult).reason.code, '22007', 'the refused create gets its own error');
      } else assert.equal(result.status, 'fulfilled', String((result as PromiseRejectedResult).reason));
    }
    const { rows } = await server.pool.query<{ id: string }>(
      'SELECT id FROM encrypted_user_contexts WHERE user_id = $1 AND id = ANY($2::uuid[])',
      [alice.userId, bodies.map((b) => b.id)],
    );
    assert.deepEqual(
      rows.map((r) => r.id).sort(),
      bodies
        .filter((b) => b !== bad)
        .map((b) => b.id)
        .sort(),
    );
  });
});
