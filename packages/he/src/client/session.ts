import { AuraError } from '@aura/errors';
import type { CKKSEncoder } from 'node-seal/implementation/ckks-encoder.js';
import type { Context } from 'node-seal/implementation/context.js';
import type { Decryptor } from 'node-seal/implementation/decryptor.js';
import type { Encryptor } from 'node-seal/implementation/encryptor.js';
import { createContext, SCALE, SLOTS } from '../params.ts';
import { loadSeal, type SEALLibrary } from '../seal.ts';
import { checkSealObject, RESULT_CIPHERTEXT_BYTES } from '../wire.ts';

/** Encrypts feature vectors and decrypts the server's scores with one device's secret key. */
export class HeSession {
  readonly #seal: SEALLibrary;
  readonly #context: Context;
  readonly #encoder: CKKSEncoder;
  readonly #encryptor: Encryptor;
  readonly #decryptor: Decryptor;

  private constructor(seal: SEALLibrary, secretKey: Uint8Array) {
    this.#seal = seal;
    this.#context = createContext(seal);
    const secret = seal.SecretKey();
    secret.loadArray(this.#context, secretKey);
    this.#encoder = seal.CKKSEncoder(this.#context);
    // node-seal's Encryptor wants a public key; a symmetric one is made from the secret key alone.
    const generator = seal.KeyGenerator(this.#context, secret);
    const publicKey = generator.createPublicKey();
    this.#encryptor = seal.Encryptor(this.#context, publicKey, secret);
    this.#decryptor = seal.Decryptor(this.#context, secret);
    publicKey.delete();
    generator.delete();
    secret.delete();
  }

  static async open(secretKey: Uint8Array): Promise<HeSession> {
    return new HeSession(await loadSeal(), secretKey);
  }

  /** One vector of SLOTS features, encrypted with the secret key: the bytes a query sends. */
  encrypt(features: Float64Array): Uint8Array {
    if (features.length !== SLOTS) throw new RangeError(`features must have ${SLOTS} entries, not ${features.length}`);
    const plain = this.#encoder.encode(features, SCALE);
    if (!plain) throw new Error('CKKS encoding failed');
    const query = this.#encryptor.encryptSymmetricSerializable(plain);
    try {
      return query.saveArray(this.#seal.ComprModeType.none);
    } finally {
      query.delete();
      plain.delete();
    }
  }

  /** The first `count` slots of an evaluated ciphertext. A result that is not one is the server's fault. */
  decrypt(result: Uint8Array, count: number): Float64Array {
    try {
      checkSealObject(result, RESULT_CIPHERTEXT_BYTES, 'ciphertext');
    } catch (cause) {
      throw new AuraError(
        'AURA_SERVER_MISBEHAVED',
        'the server answered with bytes that are not an evaluated ciphertext',
        {
          cause,
        },
      );
    }
    const ct = this.#seal.CipherText();
    try {
      ct.loadArray(this.#context, result);
      const plain = this.#decryptor.decrypt(ct);
      if (!plain) throw new Error('CKKS decryption failed');
      const slots = this.#encoder.decode(plain) as Float64Array;
      plain.delete();
      return Float64Array.from(slots.subarray(0, count));
    } catch (cause) {
      throw new AuraError('AURA_SERVER_MISBEHAVED', 'the server answered with a ciphertext this key cannot open', {
        cause,
      });
    } finally {
      ct.delete();
    }
  }
}
