import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuraError } from '@aura/errors';
import fc from 'fast-check';
import { GroupCommit, type Outcome } from '../src/db/group-commit.ts';

describe('group commit', () => {
  it('property: every item settles once, a key is in one batch at a time, in the order it came, batches within their bounds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 4 }),
            fails: fc.boolean(),
            alone: fc.boolean(),
            weight: fc.integer({ min: 0, max: 10 }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        async (items, maxBatch, batchesAtOnce, maxWeight, wholeBatchFails) => {
          type Item = { n: number; key: number; fails: boolean; alone: boolean; weight: number };
          const writing = new Map<number, number>();
          const order: number[] = [];
          let batchNo = 0;
          const commit = new GroupCommit<Item, number>({
            key: (item) => String(item.key),
            maxBatch,
            batchesAtOnce,
            weight: { of: (item) => item.weight, max: maxWeight },
            batch: async (batch) => {
              assert.ok(batch.length <= maxBatch);
              const weight = batch.reduce((sum, item) => sum + item.weight, 0);
              assert.ok(batch.length === 1 || weight <= maxWeight, 'a batch over its weight holds one item');
              for (const item of batch) {
                assert.ok(!writing.has(item.key), 'a key in two batches at once');
              }
              const keys = new Set(batch.map((i) => i.key));
              for (const key of keys) writing.set(key, batchNo);
              batchNo++;
              await new Promise((resolve) => setImmediate(resolve));
              for (const key of keys) writing.delete(key);
              // A batch PostgreSQL refused as a whole (a SQLSTATE) is written again item by item.
              if (wholeBatchFails && batch.length > 1) throw Object.assign(new Error('refused'), { code: '40001' });
              return batch.map((item): Outcome<number> => {
                if (item.alone) return 'alone';
                order.push(item.n);
                return item.fails ? { error: new AuraError('AURA_CONFLICT', `item ${item.n}`) } : { ok: item.n };
              });
            },
            alone: async (item) => {
              order.push(item.n);
              if (item.fails) throw new AuraError('AURA_CONFLICT', `item ${item.n}`);
              return item.n;
            },
          });
          const results = await Promise.allSettled(items.map((item, n) => commit.submit({ n, ...item })));
          for (const [n, result] of results.entries()) {
            const item = items[n] as (typeof items)[number];
            if (item.fails) assert.equal(result.status, 'rejected');
            else assert.deepEqual(result, { status: 'fulfilled', value: n });
          }
          // Each item was written once, and one key's items in the order they were submitted (but
          // for those a batch left to be written alone: they follow their batch).
          assert.deepEqual(
            [...order].sort((a, b) => a - b),
            [...items.keys()],
          );
          for (let key = 0; key <= 4; key++) {
            const ofKey = order.filter((n) => items[n]?.key === key && !items[n]?.alone);
            assert.deepEqual(
              ofKey,
              [...ofKey].sort((a, b) => a - b),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a batch that failed for sure is written again item by item; one that may have committed is not', async () => {
    const lost = new GroupCommit<number, number>({
      key: () => 'one',
      maxBatch: 10,
      batchesAtOnce: 1,
      batch: async () => {
        throw new Error('Connection terminated unexpectedly');
      },
      alone: async (n) => n,
    });
    const settled = await Promise.allSettled([1, 2, 3].map((n) => lost.submit(n)));
    for (const s of settled) assert.equal(s.status, 'rejected', 'a lost connection may have committed: no retry');
  });
});
