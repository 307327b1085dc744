import { dequantize, quantize } from '@aura/he/model';
import { bitsOf } from './features.ts';
import type { IntentModel, LinearScorer } from './model.ts';

/**
 * The model file: a JSON header line (intents, the size of the feature space, the weight of
 * word features, and per scorer
 * its temperature, bias and int8 scales), then the IDF as uint8 over its range, then each
 * scorer's weights as int8, feature-major, each intent scaled by its largest weight. 64 intents
 * x 65,536 features are about 4.3 MB a scorer, x 32,768 about 2.1 MB. The bytes are the same
 * on every run of the training script (fixed seeds, no timestamps).
 *
 * Version 1 (one logistic regression, 65,536 features, intent-major) is still read.
 */
const MAGIC = 'aura-intent-model/2';
const MAGIC_V1 = 'aura-intent-model/1';

interface Header {
  magic: string;
  dim: number;
  wordWeight: number;
  intents: string[];
  idfMin: number;
  idfMax: number;
  members: { temperature: number; scales: number[]; bias: number[] }[];
}

export function serializeModel(model: IntentModel): Uint8Array {
  const k = model.intents.length;
  const dim = model.idf.length;
  let idfMin = Infinity;
  let idfMax = -Infinity;
  for (const v of model.idf) {
    idfMin = Math.min(idfMin, v);
    idfMax = Math.max(idfMax, v);
  }
  const idf = new Uint8Array(dim);
  for (let f = 0; f < dim; f++)
    idf[f] = Math.round((((model.idf[f] as number) - idfMin) / (idfMax - idfMin || 1)) * 255);
  const bodies: Int8Array[] = [];
  const members = model.members.map((member) => {
    const { body, scales } = quantize(member.weights, dim, k);
    bodies.push(body);
    return { temperature: member.temperature, scales, bias: Array.from(member.bias) };
  });
  const header: Header = {
    magic: MAGIC,
    dim,
    wordWeight: model.wordWeight,
    intents: model.intents,
    idfMin,
    idfMax,
    members,
  };
  const head = new TextEncoder().encode(`${JSON.stringify(header)}\n`);
  const out = new Uint8Array(head.length + dim + bodies.length * dim * k);
  out.set(head, 0);
  out.set(idf, head.length);
  bodies.forEach((body, m) => {
    out.set(new Uint8Array(body.buffer), head.length + dim + m * dim * k);
  });
  return out;
}

export function deserializeModel(bytes: Uint8Array): IntentModel {
  const newline = bytes.indexOf(10);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline)));
  if (header.magic === MAGIC_V1) return readV1(bytes, newline, header);
  const { dim, wordWeight, intents, idfMin, idfMax, members } = header as Header;
  if (header.magic !== MAGIC || !Number.isInteger(dim) || 1 << bitsOf(dim) !== dim)
    throw new Error('not an Aura intent model of a version this code reads');
  const k = intents.length;
  const start = newline + 1;
  if (bytes.length !== start + dim + members.length * dim * k) throw new Error('the intent model file is truncated');
  const idf = readIdf(bytes.subarray(start, start + dim), idfMin, idfMax);
  return {
    version: 2,
    intents,
    idf,
    wordWeight,
    members: members.map((m, i): LinearScorer => {
      const w8 = new Int8Array(bytes.buffer, bytes.byteOffset + start + dim + i * dim * k, dim * k);
      return { weights: dequantize(w8, m.scales, dim, k), bias: Float32Array.from(m.bias), temperature: m.temperature };
    }),
  };
}

function readIdf(bytes: Uint8Array, min: number, max: number): Float32Array {
  const idf = new Float32Array(bytes.length);
  for (let f = 0; f < bytes.length; f++) idf[f] = min + ((bytes[f] as number) / 255) * (max - min);
  return idf;
}

/** Version 1: `{ dim, intents, temperature, scales, bias, idfMin, idfMax }`, weights intent-major. */
function readV1(
  bytes: Uint8Array,
  newline: number,
  header: {
    dim: number;
    intents: string[];
    temperature: number;
    scales: number[];
    bias: number[];
    idfMin: number;
    idfMax: number;
  },
): IntentModel {
  const { dim, intents } = header;
  const k = intents.length;
  const idf = readIdf(bytes.subarray(newline + 1, newline + 1 + dim), header.idfMin, header.idfMax);
  const w8 = new Int8Array(bytes.buffer, bytes.byteOffset + newline + 1 + dim, k * dim);
  const weights = new Float32Array(dim * k);
  for (let c = 0; c < k; c++)
    for (let f = 0; f < dim; f++) weights[f * k + c] = (w8[c * dim + f] as number) * (header.scales[c] as number);
  return {
    version: 2,
    intents,
    idf,
    wordWeight: 1,
    members: [{ weights, bias: Float32Array.from(header.bias), temperature: header.temperature }],
  };
}
