// Bundled for Chromium by bench/crypto/run.ts: the envelope on the browser engine (@noble/ciphers).
import {
  deriveCollectionKey,
  generateAccountKey,
  openEnvelope,
  sealEnvelope,
} from '../../packages/crypto/src/index.ts';

declare global {
  var auraBench: (size: number, budgetMs: number) => { seal: number; open: number };
}

globalThis.auraBench = (size, budgetMs) => {
  const key = deriveCollectionKey(generateAccountKey(), 'bench');
  const slot = { userId: 'bench-user', collection: 'bench', recordId: 'record-1' };
  const data = new Uint8Array(size).map((_, i) => i);
  const rate = (fn: () => void) => {
    fn();
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < budgetMs) {
      fn();
      n++;
    }
    return (n * size * 1000) / (performance.now() - start) / (1024 * 1024);
  };
  const env = sealEnvelope(key, slot, data);
  return { seal: rate(() => sealEnvelope(key, slot, data)), open: rate(() => openEnvelope(key, slot, env)) };
};
