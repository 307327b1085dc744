import {
  portableEd25519Sign,
  portableEd25519Verify,
  portableModPow,
  portableRandomBytes,
  portableSha256,
  portableXchachaOpen,
  portableXchachaSeal,
} from './portable.ts';
import type { Ed25519Item, Platform } from './types.ts';

// WebCrypto's Ed25519 (Chromium 137+, Firefox 129+, Safari 17+) verifies in native code, several
// times faster than the portable JavaScript: a fresh browser replaying a long signed history
// spends most of its time here. Where the browser lacks it, the portable code answers.
// Its verdicts match the portable code's on every Wycheproof case (browser.test.ts runs them).
const subtle = globalThis.crypto?.subtle;
const ED25519 = { name: 'Ed25519' } as const;
let native: Promise<boolean> | undefined;
const keys = new Map<string, Promise<CryptoKey | null>>();

function hasNative(): Promise<boolean> {
  // The RFC 8032 test 1 public key: any valid key would do to learn whether Ed25519 is there.
  native ??= subtle
    ? subtle
        .importKey(
          'raw',
          hexBytes('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
          ED25519,
          false,
          ['verify'],
        )
        .then(
          () => true,
          () => false,
        )
    : Promise.resolve(false);
  return native;
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

/** A copy on its own ArrayBuffer: WebCrypto takes BufferSource, not views of shared memory. */
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** One import per key: a history's entries are signed by a handful of devices. */
function verifyKey(publicKey: Uint8Array): Promise<CryptoKey | null> {
  const id = Array.from(publicKey, (b) => b.toString(16).padStart(2, '0')).join('');
  let key = keys.get(id);
  if (!key) {
    if (keys.size > 256) keys.clear();
    key = (subtle as SubtleCrypto).importKey('raw', own(publicKey), ED25519, false, ['verify']).catch(() => null);
    keys.set(id, key);
  }
  return key;
}

async function ed25519VerifyMany(items: readonly Ed25519Item[]): Promise<boolean[]> {
  if (!(await hasNative())) return items.map((i) => portableEd25519Verify(i.publicKey, i.message, i.signature));
  return Promise.all(
    items.map(async ({ publicKey, message, signature }) => {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      const key = await verifyKey(publicKey);
      if (!key) return false;
      try {
        return await (subtle as SubtleCrypto).verify(ED25519, key, own(signature), own(message));
      } catch {
        return false;
      }
    }),
  );
}

export const platform: Platform = {
  name: 'browser',
  randomBytes: portableRandomBytes,
  xchachaSeal: portableXchachaSeal,
  xchachaOpen: portableXchachaOpen,
  modPow: portableModPow,
  sha256: portableSha256,
  ed25519Sign: portableEd25519Sign,
  ed25519Verify: portableEd25519Verify,
  ed25519VerifyMany,
};
