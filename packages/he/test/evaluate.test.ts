import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAuraError } from '@aura/errors';
import { generateDeviceKeys, HeSession, layoutFor, SLOTS } from '../src/client/index.ts';
import { LinearEvaluator } from '../src/server/index.ts';
import { galoisKeyBytes, QUERY_CIPHERTEXT_BYTES, RESULT_CIPHERTEXT_BYTES } from '../src/wire.ts';

/** A seeded map of 100 rows (padded to 128) and a sparse unit vector, as the intent model's. */
function seeded(seed: number) {
  let s = seed;
  const random = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  const rows = 100;
  const weights = Float64Array.from({ length: rows * SLOTS }, () => random() * 4);
  const bias = Float64Array.from({ length: rows }, () => random());
  const x = new Float64Array(SLOTS);
  for (let i = 0; i < 300; i++) x[Math.floor((random() + 0.5) * SLOTS) % SLOTS] = random();
  return { map: { rows, dim: SLOTS, weights, bias }, x };
}

describe('the encrypted linear map', async () => {
  const { map, x } = seeded(7);
  const evaluator = await LinearEvaluator.create(map);
  const keys = await generateDeviceKeys(evaluator.layout.steps);
  const session = await HeSession.open(keys.secretKey);
  const galois = evaluator.loadKeys(keys.galoisKeys);

  it('needs 7 Galois keys for 128 outputs, and the wire sizes are the ones wire.ts states', () => {
    assert.deepEqual(layoutFor(map.rows), {
      outputs: 128,
      baby: 16,
      giant: 8,
      steps: [1, 16, 128, 256, 512, 1024, 2048],
    });
    assert.equal(keys.galoisKeys.length, galoisKeyBytes(7));
    assert.equal(session.encrypt(x).length, QUERY_CIPHERTEXT_BYTES);
  });

  it('gives W x + b to within 1e-4 of the plaintext product', async () => {
    const result = await evaluator.evaluate(galois, session.encrypt(x));
    assert.equal(result.length, RESULT_CIPHERTEXT_BYTES);
    const z = session.decrypt(result, map.rows);
    let worst = 0;
    for (let r = 0; r < map.rows; r++) {
      let expected = map.bias[r] as number;
      for (let c = 0; c < SLOTS; c++) expected += (map.weights[r * SLOTS + c] as number) * (x[c] as number);
      worst = Math.max(worst, Math.abs(expected - (z[r] as number)));
    }
    assert.ok(worst < 1e-4, `worst error ${worst}`);
  });

  it('refuses a truncated, compressed, or corrupted ciphertext with AURA_HE_INVALID_CIPHERTEXT', async () => {
    const good = session.encrypt(x);
    const truncated = good.subarray(0, 5000);
    const patched = Uint8Array.from(good);
    patched[5] = 2; // "zstd"
    const corrupt = Uint8Array.from(good);
    corrupt.fill(0xff, 100, 2000);
    for (const bad of [truncated, patched, corrupt, new Uint8Array(QUERY_CIPHERTEXT_BYTES)])
      await assert.rejects(evaluator.evaluate(galois, bad), (e) => isAuraError(e, 'AURA_HE_INVALID_CIPHERTEXT'));
  });

  it('refuses Galois keys that lack a step, or are not keys', async () => {
    const fewer = await generateDeviceKeys([1, 16, 128, 256, 512, 1024, 4]);
    assert.throws(
      () => evaluator.loadKeys(fewer.galoisKeys),
      (e) => isAuraError(e, 'AURA_HE_INVALID_KEYS'),
    );
    assert.throws(
      () => evaluator.loadKeys(keys.galoisKeys.subarray(0, 1000)),
      (e) => isAuraError(e, 'AURA_HE_INVALID_KEYS'),
    );
  });

  it('gives the event loop back while it works: a 1 ms interval keeps ticking during an evaluation', async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 1);
    try {
      await evaluator.evaluate(galois, session.encrypt(x));
    } finally {
      clearInterval(interval);
    }
    // Run in one piece, nothing else would run until it returned: 0 ticks. It yields 27 times.
    assert.ok(ticks >= 10, `${ticks} ticks during the evaluation`);
  });

  it("another device's key cannot read the result (a fresh key decrypts noise)", async () => {
    const other = await HeSession.open((await generateDeviceKeys([1])).secretKey);
    const z = other.decrypt(await evaluator.evaluate(galois, session.encrypt(x)), map.rows);
    assert.ok(Math.max(...Array.from(z, Math.abs)) > 1e6);
  });
});
