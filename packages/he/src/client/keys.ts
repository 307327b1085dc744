import { createContext } from '../params.ts';
import { loadSeal } from '../seal.ts';
import { keySetId } from '../wire.ts';

/** A device's CKKS keys: the secret key stays on the device, the Galois keys go to the server once. */
export interface DeviceKeys {
  /** SEAL's serialisation of the secret key: store it as the device's other secrets are. */
  secretKey: Uint8Array;
  /** Public rotation keys for exactly `steps`, uncompressed (wire.ts says why). */
  galoisKeys: Uint8Array;
  /** SHA-256 of `galoisKeys`: the name under which the server keeps them, and each query names. */
  keySetId: string;
}

/**
 * A fresh secret key and the Galois keys for the rotation steps a model's layout needs
 * (layout.ts). No public key and no relinearisation keys: queries are encrypted with the secret
 * key (half the bytes: SEAL sends a seed for one polynomial), and the evaluation multiplies only
 * by plaintexts, so it never relinearises (decision 0021).
 */
export async function generateDeviceKeys(steps: readonly number[]): Promise<DeviceKeys> {
  const seal = await loadSeal();
  const context = createContext(seal);
  const generator = seal.KeyGenerator(context);
  const secret = generator.secretKey();
  const galois = generator.createGaloisKeysSerializable(Int32Array.from(steps));
  try {
    const galoisKeys = galois.saveArray(seal.ComprModeType.none);
    return {
      secretKey: secret.saveArray(seal.ComprModeType.none),
      galoisKeys,
      keySetId: await keySetId(galoisKeys),
    };
  } finally {
    galois.delete();
    secret.delete();
    generator.delete();
    context.delete();
  }
}
