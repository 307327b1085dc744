import { DIM, type IntentModel } from './model.ts';

/**
 * The model file: a JSON header line (intents, temperature, scales) then int8 weights, one
 * byte per (intent, feature), each intent scaled by its largest weight; IDF as uint8 over its
 * range. 64 intents x 65,536 features fit in about 4.3 MB, and the bytes are the same on every
 * run of the training script (fixed seed, no timestamps).
 */
const MAGIC = 'aura-intent-model/1';

export function serializeModel(model: IntentModel): Uint8Array {
  const k = model.intents.length;
  const scales = new Array<number>(k);
  const weights = new Int8Array(k * DIM);
  for (let c = 0; c < k; c++) {
    let max = 0;
    for (let f = 0; f < DIM; f++) max = Math.max(max, Math.abs(model.weights[c * DIM + f] as number));
    const scale = max / 127 || 1;
    scales[c] = scale;
    for (let f = 0; f < DIM; f++) weights[c * DIM + f] = Math.round((model.weights[c * DIM + f] as number) / scale);
  }
  let idfMin = Infinity;
  let idfMax = -Infinity;
  for (const v of model.idf) {
    idfMin = Math.min(idfMin, v);
    idfMax = Math.max(idfMax, v);
  }
  const idf = new Uint8Array(DIM);
  for (let f = 0; f < DIM; f++)
    idf[f] = Math.round((((model.idf[f] as number) - idfMin) / (idfMax - idfMin || 1)) * 255);
  const header = new TextEncoder().encode(
    `${JSON.stringify({ magic: MAGIC, dim: DIM, intents: model.intents, temperature: model.temperature, scales, bias: Array.from(model.bias), idfMin, idfMax })}\n`,
  );
  const out = new Uint8Array(header.length + idf.length + weights.length);
  out.set(header, 0);
  out.set(idf, header.length);
  out.set(new Uint8Array(weights.buffer), header.length + idf.length);
  return out;
}

export function deserializeModel(bytes: Uint8Array): IntentModel {
  const newline = bytes.indexOf(10);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline)));
  if (header.magic !== MAGIC || header.dim !== DIM) throw new Error('not an Aura intent model of this version');
  const k = header.intents.length as number;
  const idfBytes = bytes.subarray(newline + 1, newline + 1 + DIM);
  const w8 = new Int8Array(bytes.buffer, bytes.byteOffset + newline + 1 + DIM, k * DIM);
  const idf = new Float32Array(DIM);
  for (let f = 0; f < DIM; f++)
    idf[f] = header.idfMin + ((idfBytes[f] as number) / 255) * (header.idfMax - header.idfMin);
  const weights = new Float32Array(k * DIM);
  for (let c = 0; c < k; c++)
    for (let f = 0; f < DIM; f++) weights[c * DIM + f] = (w8[c * DIM + f] as number) * header.scales[c];
  return {
    version: 1,
    intents: header.intents,
    idf,
    weights,
    bias: Float32Array.from(header.bias),
    temperature: header.temperature,
  };
}
