import assert from 'node:assert/strict';
import { isAuraError } from '@aura/errors';
import { startTestServer, type TestServer } from '@aura/testing';
import { AuraClient, MemoryStateStore } from '../src/index.ts';

/** The real server on a fresh database, listening on a loopback port for the SDK's fetch. */
export async function listeningServer(env: Record<string, string> = {}): Promise<TestServer & { url: string }> {
  const server = await startTestServer(env);
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return Object.assign(server, { url });
}

export const newClient = (url: string, store = new MemoryStateStore()) => AuraClient.open({ server: url, store });
export const email = () => `sdk-${crypto.randomUUID()}@example.com`;

/** Rejects with an AuraError of `code` (and, given `message`, a message that matches it). */
export const rejectsWith = (fn: () => Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(fn, (e: unknown) => {
    assert.ok(isAuraError(e), String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
