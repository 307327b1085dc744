import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  blindSearchTokens,
  DEFAULT_TOKEN_BITS,
  deriveBlindIndexKey,
  deriveCollectionKey,
  sealEnvelope,
} from '@aura/crypto';
import { RecordPage, StoredRecord } from '@aura/protocol';
import type { AuraClient } from '../src/index.ts';
import { signVaultChange } from '../src/vault.ts';
import { hostileProxy } from './hostile-proxy.ts';
import { email, listeningServer, newClient } from './support.ts';

/**
 * M14 (ARCHITECTURE.md §7), search tokens across accounts: blind-index keys are per user and
 * per field, so one word gives every account its own tokens; the tokens one user sends (which
 * a hostile server, or anyone who reads its traffic, can copy) find nothing for anyone else,
 * and tokens planted in another account's record never surface in the victim's results.
 * (Incoming mail not being indexed is packages/assistant/test/email-not-indexed.test.ts.)
 */
let server: Awaited<ReturnType<typeof listeningServer>>;
let proxy: Awaited<ReturnType<typeof hostileProxy>>;
let alice: AuraClient;
let bob: AuraClient;
const sent: { path: string; body: unknown }[] = [];

before(async () => {
  server = await listeningServer();
  proxy = await hostileProxy(server.url);
  proxy.tamper = (req, res) => {
    sent.push({ path: req.path, body: req.body });
    return res;
  };
  alice = await newClient(proxy.url);
  await alice.register(email(), 'alice password 1');
  bob = await newClient(proxy.url);
  await bob.register(email(), 'bob password 1');
});
after(async () => {
  await proxy?.close();
  await server?.close();
});

const searchAs = (client: AuraClient, tokens: string[], mode: 'all' | 'any' = 'all') =>
  client.api.post('/api/v1/context/search', RecordPage, { tokens, mode });
const ids = (page: RecordPage) => page.records.map((r) => r.id).sort();
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
/** What the SDK itself sent as the search tokens of its latest search. */
const lastSearchTokens = () => {
  const found = sent.filter((s) => s.path === '/api/v1/context/search').at(-1)?.body as { tokens: string[] };
  assert.ok(found, 'a search went through the proxy');
  return found.tokens;
};

describe('M14: search tokens are per user, and useless to anyone else', () => {
  it("M14: the same word gives two accounts disjoint tokens; A's tokens, sent by B to B's search, find nothing", async () => {
    const word = `lighthouse${crypto.randomUUID().slice(0, 6)}`;
    const aNote = await alice.vault.put('contexts', { text: `Meet at the ${word} at noon` });
    const bNote = await bob.vault.put('contexts', { text: `The ${word} keeper called` });

    // The tokens as each SDK sends them (what a hostile server sees and can replay).
    assert.deepEqual(
      (await alice.vault.search('contexts', word)).map((r) => r.id),
      [aNote.id],
    );
    const aliceTokens = lastSearchTokens();
    assert.deepEqual(
      (await bob.vault.search('contexts', word)).map((r) => r.id),
      [bNote.id],
    );
    const bobTokens = lastSearchTokens();

    // The same through the crypto API: per-user keys, so the same word, other tokens.
    const tokensOf = (client: AuraClient, field = 'contexts') =>
      blindSearchTokens(deriveBlindIndexKey(client.accountKey(), field, 'text'), word).map(b64);
    assert.deepEqual(tokensOf(alice), aliceTokens, 'the SDK sends the crypto API tokens');
    assert.deepEqual(tokensOf(bob), bobTokens);
    assert.equal(aliceTokens.filter((t) => bobTokens.includes(t)).length, 0, 'no token in common');
    assert.notDeepEqual(tokensOf(alice, 'relationships'), tokensOf(alice), 'and per field (collection) as well');
    for (const t of [...aliceTokens, ...bobTokens])
      assert.equal(Buffer.from(t, 'base64').length, DEFAULT_TOKEN_BITS / 8, 'tokens are truncated');

    // Alice's tokens in Bob's session: neither her record (another account) nor his (other tokens).
    for (const mode of ['all', 'any'] as const) {
      assert.deepEqual(ids(await searchAs(bob, aliceTokens, mode)), [], `mode ${mode}`);
      assert.deepEqual(ids(await searchAs(alice, bobTokens, mode)), [], `mode ${mode}`);
      // Each account's own tokens find its own record, and only that.
      assert.deepEqual(ids(await searchAs(bob, bobTokens, mode)), [bNote.id]);
      assert.deepEqual(ids(await searchAs(alice, aliceTokens, mode)), [aNote.id]);
    }
  });

  it("M14: tokens copied from A into B's own record (injection) never bring B's record into A's results", async () => {
    const word = `harbour${crypto.randomUUID().slice(0, 6)}`;
    const aNote = await alice.vault.put('contexts', { text: `Boat trip from the ${word}` });
    await alice.vault.search('contexts', word);
    const aliceTokens = lastSearchTokens();
    // Bob writes a record of his own that carries Alice's tokens (he saw them on the wire).
    const id = crypto.randomUUID();
    const session = bob.session;
    assert.ok(session);
    const envelope = sealEnvelope(
      deriveCollectionKey(bob.accountKey(), 'contexts'),
      { userId: session.userId, collection: 'contexts', recordId: id },
      new TextEncoder().encode(JSON.stringify({ v: 1, data: { text: 'click here' } })),
    );
    const checksum = createHash('sha256').update(envelope).digest('base64');
    const device = await bob.device();
    const signer = { deviceId: session.deviceId ?? '', secretKey: Buffer.from(device.signing.secretKey, 'base64') };
    const change = signVaultChange(signer, {
      op: 'put',
      collection: 'contexts',
      recordId: id,
      version: 1,
      hash: checksum,
    });
    await bob.api.post('/api/v1/context', StoredRecord, {
      id,
      encryptedData: b64(envelope),
      searchTokens: aliceTokens,
      checksum,
      nonce: b64(envelope.subarray(19, 43)),
      change,
    });
    assert.deepEqual(ids(await searchAs(bob, aliceTokens)), [id], "the planted tokens are in Bob's own index");
    assert.deepEqual(ids(await searchAs(alice, aliceTokens)), [aNote.id], "Alice's search stays hers");
    assert.deepEqual(
      (await alice.vault.search('contexts', word)).map((r) => r.id),
      [aNote.id],
    );
  });
});
