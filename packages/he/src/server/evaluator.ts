import { AuraError } from '@aura/errors';
import type { CipherText } from 'node-seal/implementation/cipher-text.js';
import type { Context } from 'node-seal/implementation/context.js';
import type { GaloisKeys } from 'node-seal/implementation/galois-keys.js';
import type { PlainText } from 'node-seal/implementation/plain-text.js';
import { type Layout, layoutFor } from '../layout.ts';
import { createContext, POLY_MODULUS_DEGREE, SCALE, SLOTS } from '../params.ts';
import { loadSeal, type SEALLibrary } from '../seal.ts';
import { checkSealObject, galoisKeyBytes, QUERY_CIPHERTEXT_BYTES } from '../wire.ts';

/** A matrix of `rows` by `dim` (row-major) and its bias: z = W x + b. */
export interface LinearMap {
  rows: number;
  dim: number;
  weights: Float64Array;
  bias: Float64Array;
}

/** CKKS rotates left by s with the Galois element 3^s mod 2N. */
const galoisElement = (step: number) => {
  let e = 1;
  for (let i = 0; i < step; i++) e = (e * 3) % (2 * POLY_MODULUS_DEGREE);
  return e;
};

/** Lets the event loop run between the evaluation's steps (Node's check phase, after I/O). */
const pause = () => new Promise<void>((resolve) => setImmediate(resolve));

const sameParms = (a: BigUint64Array, b: BigUint64Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Evaluates a linear map on a CKKS-encrypted vector with the public Galois keys of the device
 * that encrypted it (layout.ts gives the method). Holds no secret key and cannot decrypt: the
 * vector, the scores and every intermediate stay ciphertext. The plaintext diagonals are
 * encoded once, here.
 */
export class LinearEvaluator {
  readonly layout: Layout;
  /** The exact length of this evaluator's Galois key set on the wire. */
  readonly galoisKeyLength: number;
  readonly #seal: SEALLibrary;
  readonly #context: Context;
  readonly #diagonals: PlainText[];
  readonly #bias: Float64Array;
  #biasPlain: PlainText | undefined;

  private constructor(seal: SEALLibrary, map: LinearMap) {
    if (map.dim !== SLOTS) throw new RangeError(`the map must have ${SLOTS} columns, not ${map.dim}`);
    this.#seal = seal;
    this.#context = createContext(seal);
    this.layout = layoutFor(map.rows);
    this.galoisKeyLength = galoisKeyBytes(this.layout.steps.length);
    this.#bias = map.bias;
    const encoder = seal.CKKSEncoder(this.#context);
    const { outputs, baby, giant } = this.layout;
    const v = new Float64Array(SLOTS);
    this.#diagonals = [];
    for (let g = 0; g < giant; g++)
      for (let b = 0; b < baby; b++) {
        const i = g * baby + b;
        // diag_i rotated right by g * baby, so that the giant step's rotation puts it back.
        for (let j = 0; j < SLOTS; j++) {
          const row = j % outputs;
          v[(j + g * baby) % SLOTS] = row < map.rows ? (map.weights[row * map.dim + ((j + i) % SLOTS)] as number) : 0;
        }
        this.#diagonals.push(encoder.encode(v, SCALE) as PlainText);
      }
    encoder.delete();
  }

  static async create(map: LinearMap): Promise<LinearEvaluator> {
    return new LinearEvaluator(await loadSeal(), map);
  }

  /** A device's Galois keys, checked: the exact length, SEAL's own checks, and every step this map needs. */
  loadKeys(bytes: Uint8Array): GaloisKeys {
    checkSealObject(bytes, this.galoisKeyLength, 'galois keys');
    const keys = this.#seal.GaloisKeys();
    try {
      keys.loadArray(this.#context, bytes);
    } catch (cause) {
      keys.delete();
      throw new AuraError('AURA_HE_INVALID_KEYS', 'the galois keys are not valid for these CKKS parameters', { cause });
    }
    const missing = this.layout.steps.filter((s) => !keys.hasKey(galoisElement(s)));
    if (missing.length) {
      keys.delete();
      throw new AuraError('AURA_HE_INVALID_KEYS', `the galois keys lack the rotation steps ${missing.join(', ')}`);
    }
    return keys;
  }

  /** A fresh ciphertext of this device, checked: length, SEAL's checks, its size, level and scale. */
  #loadQuery(bytes: Uint8Array): CipherText {
    checkSealObject(bytes, QUERY_CIPHERTEXT_BYTES, 'ciphertext');
    const ct = this.#seal.CipherText();
    const refuse = (why: string, cause?: unknown): never => {
      ct.delete();
      throw new AuraError('AURA_HE_INVALID_CIPHERTEXT', `the ciphertext ${why}`, { cause });
    };
    try {
      ct.loadArray(this.#context, bytes);
    } catch (cause) {
      refuse('is not valid for these CKKS parameters', cause);
    }
    if (ct.size !== 2) refuse('must have two polynomials');
    if (!sameParms(ct.parmsId.values, this.#context.firstParmsId.values)) refuse('is not at the first level');
    if (ct.scale !== SCALE) refuse('must be at scale 2^40');
    return ct;
  }

  /**
   * W x + b, encrypted, as the uncompressed bytes of one ciphertext (wire.ts). About 150 ms of
   * CPU in all, given back to the event loop after each rotation and each giant step (a few ms
   * each), so a server answers other requests meanwhile. `keys` must stay undeleted until the
   * promise settles.
   */
  async evaluate(keys: GaloisKeys, query: Uint8Array): Promise<Uint8Array> {
    const seal = this.#seal;
    const ev = seal.Evaluator(this.#context);
    const x = this.#loadQuery(query);
    const owned: CipherText[] = [x];
    try {
      const { baby, giant, outputs } = this.layout;
      const rotated: CipherText[] = [x];
      for (let b = 1; b < baby; b++) {
        const r = ev.rotateVector(rotated[b - 1] as CipherText, 1, keys) as CipherText;
        owned.push(r);
        rotated.push(r);
        await pause();
      }
      const inner: CipherText[] = [];
      for (let g = 0; g < giant; g++) {
        let sum: CipherText | undefined;
        for (let b = 0; b < baby; b++) {
          const product = ev.multiplyPlain(
            rotated[b] as CipherText,
            this.#diagonals[g * baby + b] as PlainText,
          ) as CipherText;
          if (sum) {
            ev.add(sum, product, sum);
            product.delete();
          } else {
            sum = product;
            owned.push(sum);
          }
        }
        ev.rescaleToNext(sum as CipherText, sum);
        inner.push(sum as CipherText);
        await pause();
      }
      // Horner: acc = inner[G-1]; acc = rot(acc, baby) + inner[g], so inner[g] ends up rotated by g * baby.
      const acc = (inner[giant - 1] as CipherText).clone();
      owned.push(acc);
      for (let g = giant - 2; g >= 0; g--) {
        const r = ev.rotateVector(acc, baby, keys) as CipherText;
        ev.add(r, inner[g] as CipherText, acc);
        r.delete();
        await pause();
      }
      for (let s = outputs; s < SLOTS; s *= 2) {
        const r = ev.rotateVector(acc, s, keys) as CipherText;
        ev.add(acc, r, acc);
        r.delete();
        await pause();
      }
      ev.addPlain(acc, this.#biasAt(acc), acc);
      return acc.saveArray(seal.ComprModeType.none);
    } finally {
      for (const c of owned) c.delete();
      ev.delete();
    }
  }

  /** The bias in slots 0..rows-1, at the result's level and scale (the same for every query). */
  #biasAt(result: CipherText): PlainText {
    if (!this.#biasPlain || this.#biasPlain.scale !== result.scale) {
      const encoder = this.#seal.CKKSEncoder(this.#context);
      const ev = this.#seal.Evaluator(this.#context);
      const v = new Float64Array(SLOTS);
      v.set(this.#bias);
      const plain = encoder.encode(v, result.scale) as PlainText;
      ev.plainModSwitchTo(plain, result.parmsId, plain);
      this.#biasPlain?.delete();
      this.#biasPlain = plain;
      encoder.delete();
      ev.delete();
    }
    return this.#biasPlain;
  }
}
