import { platform } from '#platform';
import { checkedXchacha } from '../../src/aead.ts';
import { type AeadCase, runChachaVectors, runXchachaVectors, type XchachaImpl } from './aead.ts';
import { type Argon2VectorFile, runArgon2Vectors } from './argon2.ts';
import { runEd25519ManyVectors, runEd25519Vectors, runX25519Vectors } from './curves.ts';
import { runHkdfVectors, runHmacVectors } from './kdf.ts';
import { type MerkleVectorFile, runMerkleVectors } from './merkle.ts';
import type { VectorReport, WycheproofFile } from './report.ts';
import { runSrpVectors } from './srp.ts';

/** The files, as plain JSON: Node reads them from disk, the Chromium test passes them in. */
export interface VectorData {
  xchacha: unknown;
  chacha: unknown;
  hkdf: unknown;
  hmac: unknown;
  x25519: unknown;
  ed25519: unknown;
  argon2: unknown;
  merkle: unknown;
  srp: { rfc5054Extracted: unknown; rfc5054: unknown; srptools: unknown };
}

export const platformXchacha: XchachaImpl = {
  name: platform.name,
  ...checkedXchacha(platform.xchachaSeal, platform.xchachaOpen),
};

/** Runs every vector suite on this platform's code paths. */
export async function runAllVectors(
  data: VectorData,
  xchachaImpls: XchachaImpl[] = [platformXchacha],
): Promise<VectorReport[]> {
  const wp = <T>(d: unknown) => d as WycheproofFile<T>;
  return [
    ...xchachaImpls.map((impl) => runXchachaVectors(wp<AeadCase>(data.xchacha), impl)),
    runChachaVectors(wp<AeadCase>(data.chacha)),
    runHkdfVectors(wp(data.hkdf)),
    runHmacVectors(wp(data.hmac)),
    runX25519Vectors(wp(data.x25519)),
    runEd25519Vectors(wp(data.ed25519)),
    await runEd25519ManyVectors(wp(data.ed25519)),
    runSrpVectors(data.srp as Parameters<typeof runSrpVectors>[0]),
    runMerkleVectors(data.merkle as MerkleVectorFile),
    await runArgon2Vectors(data.argon2 as Argon2VectorFile),
  ];
}
