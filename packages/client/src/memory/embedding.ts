import { AuraError } from '@aura/errors';
import { fromUtf8, utf8 } from '../encoding.ts';

/**
 * A record's vector and the model that made it. Vectors of different models are not comparable:
 * the index holds only the vectors of the model in use, and a change of model re-embeds.
 */
export interface Embedding {
  /** The provider's model id, e.g. "builtin:ngram-256-v1" or "openai:nomic-embed-text". */
  readonly model: string;
  readonly vector: Float32Array;
}

/** Computes vectors for texts on this device (or an endpoint the user chose): ARCHITECTURE.md §4. */
export interface EmbeddingProvider {
  /** Stored with every vector it makes. */
  readonly model: string;
  /** One vector per text, in order, all of one length. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

const FORMAT = 1;
const MAX_MODEL_BYTES = 200;
export const MAX_DIMS = 4096;

const invalid = (why: string) => new AuraError('AURA_INVALID_INPUT', `embedding: ${why}`);

/** Checks a vector before it is sealed: finite numbers, 1..MAX_DIMS of them, a model id. */
export function checkEmbedding(embedding: Embedding): void {
  const { model, vector } = embedding;
  if (typeof model !== 'string' || model.length === 0 || utf8(model).length > MAX_MODEL_BYTES) {
    throw invalid(`model must be a non-empty id of at most ${MAX_MODEL_BYTES} bytes`);
  }
  if (!(vector instanceof Float32Array) || vector.length === 0 || vector.length > MAX_DIMS) {
    throw invalid(`vector must be a Float32Array of 1..${MAX_DIMS} numbers`);
  }
  for (const x of vector) if (!Number.isFinite(x)) throw invalid('vector holds a number that is not finite');
}

/**
 * The plaintext sealed as a record's encryptedEmbedding: format (u8), the record version it was
 * made for (u32), the model id (u16 length, UTF-8), the dimension (u32), float32 little-endian.
 */
export function encodeEmbedding(embedding: Embedding, version: number): Uint8Array {
  checkEmbedding(embedding);
  const model = utf8(embedding.model);
  const dims = embedding.vector.length;
  const bytes = new Uint8Array(1 + 4 + 2 + model.length + 4 + dims * 4);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, FORMAT);
  view.setUint32(1, version);
  view.setUint16(5, model.length);
  bytes.set(model, 7);
  let offset = 7 + model.length;
  view.setUint32(offset, dims);
  offset += 4;
  for (let i = 0; i < dims; i++) view.setFloat32(offset + i * 4, embedding.vector[i] ?? 0, true);
  return bytes;
}

/** The inverse of encodeEmbedding; null when the bytes are not one (the caller names the record). */
export function decodeEmbedding(bytes: Uint8Array): { version: number; embedding: Embedding } | null {
  if (bytes.length < 11 || bytes[0] !== FORMAT) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(1);
  const modelLength = view.getUint16(5);
  if (7 + modelLength + 4 > bytes.length) return null;
  const model = fromUtf8(bytes.subarray(7, 7 + modelLength));
  const offset = 7 + modelLength;
  const dims = view.getUint32(offset);
  if (dims === 0 || dims > MAX_DIMS || bytes.length !== offset + 4 + dims * 4) return null;
  const vector = new Float32Array(dims);
  for (let i = 0; i < dims; i++) vector[i] = view.getFloat32(offset + 4 + i * 4, true);
  return { version, embedding: { model, vector } };
}
