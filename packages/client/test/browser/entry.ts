// Bundled for Chromium by browser.test.ts: the SDK's whole user path on the browser engines.
import { AuraClient, MemoryStateStore } from '../../src/index.ts';

declare global {
  var auraClientFlow: (server: string, email: string) => Promise<{ found: string[]; text: string; platform: string }>;
}

globalThis.auraClientFlow = async (server, email) => {
  const client = await AuraClient.open({ server, store: new MemoryStateStore() });
  await client.register(email, 'browser password 1');
  const note = await client.vault.put('contexts', { text: 'Picnic with Zoë on Sunday', type: 'plan' });
  const found = (await client.vault.search('contexts', 'ZOË picnic')).map((r) => r.id);
  const fresh = await AuraClient.open({ server, store: new MemoryStateStore() });
  await fresh.login(email, 'browser password 1');
  const text = (await fresh.vault.get('contexts', note.id)).data.text;
  return {
    found: found.length === 1 && found[0] === note.id ? ['note'] : found,
    text,
    platform: typeof process === 'undefined' ? 'browser' : 'node',
  };
};
