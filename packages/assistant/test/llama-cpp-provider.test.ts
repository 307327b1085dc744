import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { isAuraError } from '@aura/errors';
import { decide, llamaCppProvider } from '../src/index.ts';

it('llama-cpp: an absent model file or package is a clear message, and the builtin model keeps working', async () => {
  const missing = llamaCppProvider({ modelPath: '/nowhere/model.gguf' });
  await assert.rejects(
    () => missing.classify('hi', ['greeting']),
    (e: unknown) => isAuraError(e, 'AURA_PROVIDER_UNAVAILABLE') && /does not exist/.test(e.message),
  );
  const dir = mkdtempSync(join(tmpdir(), 'aura-gguf-'));
  const file = join(dir, 'model.gguf');
  writeFileSync(file, 'not really a model');
  try {
    const noPackage = llamaCppProvider({ modelPath: file });
    // node-llama-cpp is an optional install; in this repository it is not installed.
    await assert.rejects(
      () => noPackage.classify('hi', ['greeting']),
      (e: unknown) => isAuraError(e, 'AURA_PROVIDER_UNAVAILABLE') && /npm install node-llama-cpp/.test(e.message),
    );
    const d = await decide('wake me up at 6 tomorrow', { findPeople: async () => [], provider: noPackage });
    assert.equal(d.intent, 'alarm_set');
    assert.ok(d.reasoning.some((r) => r.includes('the builtin model answered instead')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
