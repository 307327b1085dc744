import { sha256Hex } from './digest.ts';

/**
 * The homomorphic path's intent model: the builtin model's recipe trained in a feature space
 * small enough for one CKKS ciphertext (2^12 hashed features, the slots at N = 8192). Its shape
 * is the assistant's `IntentModel` (linear scorers z = W^T x + b, feature-major weights, each
 * with its softmax temperature); the server evaluates the scorers, the client everything else.
 *
 * The file: a JSON header line (magic, size of the feature space, the weight of word features,
 * intents, and per scorer its temperature, bias and int8 scales), the IDF as float32, then each
 * scorer's weights as int8, feature-major, each intent scaled by its largest weight (as the
 * builtin model's file, artifact.ts). The same bytes on every run of the training script.
 */
export interface HeIntentModel {
  intents: string[];
  idf: Float32Array;
  wordWeight: number;
  members: { weights: Float32Array; bias: Float32Array; temperature: number }[];
}

const MAGIC = 'aura-he-intent-model/1';

/**
 * A scorer's feature-major weights (`weights[f * k + c]`) as int8, each intent scaled by its
 * largest weight: the weights of the HE model's file and of the builtin model's (artifact.ts).
 */
export function quantize(weights: Float32Array, dim: number, k: number): { body: Int8Array; scales: number[] } {
  const scales = new Array<number>(k).fill(0);
  for (let f = 0; f < dim; f++)
    for (let c = 0; c < k; c++) scales[c] = Math.max(scales[c] as number, Math.abs(weights[f * k + c] as number));
  for (let c = 0; c < k; c++) scales[c] = (scales[c] as number) / 127 || 1;
  const body = new Int8Array(dim * k);
  for (let f = 0; f < dim; f++)
    for (let c = 0; c < k; c++) body[f * k + c] = Math.round((weights[f * k + c] as number) / (scales[c] as number));
  return { body, scales };
}

/** The weights `quantize` wrote, back as float32. */
export function dequantize(body: Int8Array, scales: readonly number[], dim: number, k: number): Float32Array {
  const weights = new Float32Array(dim * k);
  for (let f = 0; f < dim; f++)
    for (let c = 0; c < k; c++) weights[f * k + c] = (body[f * k + c] as number) * (scales[c] as number);
  return weights;
}

interface Header {
  magic: string;
  dim: number;
  wordWeight: number;
  intents: string[];
  members: { temperature: number; bias: number[]; scales: number[] }[];
}

export function serializeHeModel(model: HeIntentModel): Uint8Array {
  const k = model.intents.length;
  const dim = model.idf.length;
  const bodies: Int8Array[] = [];
  const members = model.members.map((member) => {
    const { body, scales } = quantize(member.weights, dim, k);
    bodies.push(body);
    return { temperature: member.temperature, bias: Array.from(member.bias), scales };
  });
  const header: Header = { magic: MAGIC, dim, wordWeight: model.wordWeight, intents: model.intents, members };
  const head = new TextEncoder().encode(`${JSON.stringify(header)}\n`);
  const out = new Uint8Array(head.length + dim * 4 + bodies.length * dim * k);
  out.set(head, 0);
  out.set(new Uint8Array(Float32Array.from(model.idf).buffer), head.length);
  bodies.forEach((body, m) => {
    out.set(new Uint8Array(body.buffer), head.length + dim * 4 + m * dim * k);
  });
  return out;
}

export function deserializeHeModel(bytes: Uint8Array): HeIntentModel {
  const newline = bytes.indexOf(10);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline))) as Header;
  const { dim, intents, members, wordWeight } = header;
  if (header.magic !== MAGIC || !Number.isInteger(dim) || dim <= 0 || (dim & (dim - 1)) !== 0)
    throw new Error('not an Aura HE intent model of a version this code reads');
  const k = intents.length;
  const start = newline + 1;
  if (bytes.length !== start + dim * 4 + members.length * dim * k) throw new Error('the HE intent model is truncated');
  const idf = new Float32Array(bytes.slice(start, start + dim * 4).buffer);
  return {
    intents,
    idf,
    wordWeight,
    members: members.map((m, i) => {
      const offset = start + dim * 4 + i * dim * k;
      const weights = dequantize(new Int8Array(bytes.slice(offset, offset + dim * k).buffer), m.scales, dim, k);
      return { weights, bias: Float32Array.from(m.bias), temperature: m.temperature };
    }),
  };
}

/** The rows the server evaluates: scorer m's score for intent c is row m * intents + c. */
export function scoreRows(model: HeIntentModel): {
  rows: number;
  dim: number;
  weights: Float64Array;
  bias: Float64Array;
} {
  const k = model.intents.length;
  const dim = model.idf.length;
  const rows = k * model.members.length;
  const weights = new Float64Array(rows * dim);
  const bias = new Float64Array(rows);
  model.members.forEach((member, m) => {
    for (let c = 0; c < k; c++) {
      bias[m * k + c] = member.bias[c] as number;
      for (let f = 0; f < dim; f++) weights[(m * k + c) * dim + f] = member.weights[f * k + c] as number;
    }
  });
  return { rows, dim, weights, bias };
}

/** The committed model (packages/assistant/scripts/train-intents-he.ts). */
export const HE_MODEL_URL = new URL('../model/intent-model-he.bin', import.meta.url);

/** A model's name on the wire: SHA-256 of its file, hex, first 16 characters. */
export async function modelId(bytes: Uint8Array): Promise<string> {
  return (await sha256Hex(bytes)).slice(0, 16);
}
