// npm run bench:crypto — Aura's crypto throughput against baselines measured in the same run.
// Targets (issue #2): envelope >= 0.8x raw OpenSSL at 64 KiB and 16 MiB; SRP server >= 200 handshakes/s.
// Issue #20: a 1 KiB envelope seals at >= 0.6x raw OpenSSL (the fixed cost of a small record).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, CHROMIUM, haveChromium, launchChromium } from '@aura/testing';
import {
  DEFAULT_KDF_PARAMS,
  deriveCollectionKey,
  deriveMasterKey,
  generateAccountKey,
  generateKdfSeed,
  openEnvelope,
  sealEnvelope,
} from '../../packages/crypto/src/index.ts';
import { platform } from '../../packages/crypto/src/platform/node.ts';
import {
  portableModPow,
  portableXchachaOpen,
  portableXchachaSeal,
} from '../../packages/crypto/src/platform/portable.ts';
import { serverHandshake as makeServerHandshake, opsPerSecond as opsPerSecondFor } from '../srp.ts';

const quick = process.argv.includes('--quick');
const budgetMs = quick ? 150 : 1000;

const opsPerSecond = (fn: () => void) => opsPerSecondFor(fn, budgetMs);

const mbps = (ops: number, bytes: number) => (ops * bytes) / (1024 * 1024);
const fmt = (n: number, digits = 1) => n.toFixed(digits).padStart(9);

function rawOpensslSeal(key: Buffer, nonce: Buffer, data: Buffer, aad: Buffer) {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: data.length });
  const body = c.update(data);
  c.final();
  return [body, c.getAuthTag()] as const;
}

function rawOpensslOpen(key: Buffer, nonce: Buffer, body: Buffer, tag: Buffer, aad: Buffer) {
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(tag);
  d.setAAD(aad, { plaintextLength: body.length });
  const out = d.update(body);
  d.final();
  return out;
}

console.log(`Aura crypto benchmark — node ${process.version}, ${quick ? 'quick' : 'full'} mode\n`);
console.log('Envelope (XChaCha20-Poly1305, Node fast path) vs raw OpenSSL chacha20-poly1305 via node:crypto');
console.log('   size   op    raw MB/s   envelope MB/s   ratio   noble (browser engine, in Node) MB/s');
const key = deriveCollectionKey(generateAccountKey(), 'bench');
const slot = { userId: 'bench-user', collection: 'bench', recordId: 'record-1' };
const rawKey = randomBytes(32);
const rawNonce = randomBytes(12);
const aad = randomBytes(60);
const results: Record<string, number> = {};
for (const [label, size] of [
  ['1 KiB', 1024],
  ['64 KiB', 64 * 1024],
  ['16 MiB', 16 * 1024 * 1024],
] as const) {
  const data = randomBytes(size);
  const env = sealEnvelope(key, slot, data);
  const [body, tag] = rawOpensslSeal(rawKey, rawNonce, data, aad);
  const xnonce = randomBytes(24);
  const nobleSealed = portableXchachaSeal(key.bytes, xnonce, data, aad);
  // Each row: the raw OpenSSL baseline, Aura's envelope, and the noble engine, same data, same run.
  const rows = {
    seal: [
      () => rawOpensslSeal(rawKey, rawNonce, data, aad),
      () => sealEnvelope(key, slot, data),
      () => portableXchachaSeal(key.bytes, xnonce, data, aad),
    ],
    open: [
      () => rawOpensslOpen(rawKey, rawNonce, body, tag, aad),
      () => openEnvelope(key, slot, env),
      () => portableXchachaOpen(key.bytes, xnonce, nobleSealed, aad),
    ],
  } as const;
  for (const [op, fns] of Object.entries(rows)) {
    const [raw, envelope, noble] = fns.map((fn) => mbps(opsPerSecond(fn), size)) as [number, number, number];
    results[`${op} ${label}`] = envelope / raw;
    console.log(
      `${label.padStart(7)}   ${op} ${fmt(raw)}   ${fmt(envelope)}      ${(envelope / raw).toFixed(2)}x   ${fmt(noble)}`,
    );
  }
}

console.log('\nThe browser path: the same envelope code bundled for headless Chromium (@noble/ciphers)');
if (haveChromium()) {
  const chromium = await launchChromium();
  try {
    const entry = fileURLToPath(new URL('./browser-entry.ts', import.meta.url));
    const page = await chromium.pageWith((await bundleForBrowser(entry)).code);
    for (const [label, size] of [
      ['1 KiB', 1024],
      ['64 KiB', 64 * 1024],
      ['16 MiB', 16 * 1024 * 1024],
    ] as const) {
      const r = await page.evaluate(([s, b]) => globalThis.auraBench(s, b), [size, budgetMs * 2] as const);
      console.log(`${label.padStart(7)}   seal ${fmt(r.seal)} MB/s   open ${fmt(r.open)} MB/s`);
    }
  } finally {
    await chromium.close();
  }
} else {
  console.log(`  skipped: no Chromium at ${CHROMIUM}`);
}

console.log('\nArgon2id at the default parameters (t=3, m=64 MiB, p=1), hash-wasm');
const argonTimes: number[] = [];
for (let i = 0; i < (quick ? 1 : 3); i++) {
  const start = performance.now();
  await deriveMasterKey('correct horse battery staple', 'bench@example.com', generateKdfSeed(), DEFAULT_KDF_PARAMS);
  argonTimes.push(performance.now() - start);
}
argonTimes.sort((a, b) => a - b);
console.log(
  `  median ${argonTimes[Math.floor(argonTimes.length / 2)]?.toFixed(0)} ms over ${argonTimes.length} run(s)`,
);

console.log('\nSRP-6a server handshakes (RFC 5054 2048-bit, SHA-256), one core: B, then check M1 and make M2');
const serverHandshake = makeServerHandshake();
const nativeRate = opsPerSecond(serverHandshake);
// Baseline in the same run: the same protocol code on BigInt square-and-multiply (the browser path).
const originalModPow = platform.modPow;
(platform as { modPow: typeof platform.modPow }).modPow = portableModPow;
const bigintRate = opsPerSecond(serverHandshake);
(platform as { modPow: typeof platform.modPow }).modPow = originalModPow;
console.log(`  OpenSSL (node:crypto DH) modexp: ${fmt(nativeRate, 0)} handshakes/s`);
console.log(
  `  BigInt modexp (baseline):        ${fmt(bigintRate, 0)} handshakes/s   (${(nativeRate / bigintRate).toFixed(1)}x)`,
);

console.log('\nTargets');
const check = (name: string, ok: boolean) => console.log(`  ${ok ? 'met    ' : 'MISSED '} ${name}`);
check(
  `envelope seal 1 KiB >= 0.6x raw OpenSSL, measured above in this run (${(results['seal 1 KiB'] ?? 0).toFixed(2)}x)`,
  (results['seal 1 KiB'] ?? 0) >= 0.6,
);
for (const k of ['seal 64 KiB', 'open 64 KiB', 'seal 16 MiB', 'open 16 MiB']) {
  check(`envelope ${k} >= 0.8x raw OpenSSL (${(results[k] ?? 0).toFixed(2)}x)`, (results[k] ?? 0) >= 0.8);
}
check(`SRP server >= 200 handshakes/s (${nativeRate.toFixed(0)})`, nativeRate >= 200);
