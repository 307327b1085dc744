import { fromUtf8, utf8 } from '../encoding.ts';
import { MAX_DIMS } from './embedding.ts';

/**
 * Where a device keeps its decrypted index between runs, sealed (Vault.sealLocal): a file under
 * AURA_HOME for the CLI (FileIndexCache), IndexedDB in the dashboard. It holds bytes only; what
 * they mean, and whether they may be used, is decided by Memory against the vault.
 */
export interface IndexCache {
  load(name: string): Promise<Uint8Array | undefined>;
  save(name: string, bytes: Uint8Array): Promise<void>;
}

/** One record the snapshot knows: the vector of exactly this version (its sealed vector's hash). */
export interface SnapshotEntry {
  id: string;
  version: number;
  hash: string;
  /** Its row in `rows`, or -1: its vector is of another model (known, so not opened again). */
  row: number;
}

/** The index of one collection for one model, as this device had it. */
export interface IndexSnapshot {
  model: string;
  dims: number;
  entries: SnapshotEntry[];
  /** One row of `dims` floats per entry with a row. */
  rows: Float32Array;
}

const FORMAT = 1;
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * format (u8), model (u16 length, UTF-8), dims (u32), entries (u32 count; each: id (u8 length),
 * version (u32), hash (u8 length), row (i32)), rows (u32 count, then float32 little-endian).
 */
export function encodeSnapshot(snapshot: IndexSnapshot): Uint8Array {
  const model = utf8(snapshot.model);
  const rowCount = snapshot.rows.length / snapshot.dims;
  // Ids and hashes are short: each is written where it goes (at most 3 bytes a UTF-16 unit, and
  // at most 255 bytes), not made into an array of its own first.
  let bound = 0;
  for (const e of snapshot.entries) bound += 1 + 3 * e.id.length + 4 + 1 + 3 * e.hash.length + 4;
  const head = new Uint8Array(1 + 2 + model.length + 8 + bound + 4);
  const view = new DataView(head.buffer);
  let at = 0;
  view.setUint8(at, FORMAT);
  view.setUint16(at + 1, model.length);
  head.set(model, at + 3);
  at += 3 + model.length;
  view.setUint32(at, snapshot.dims);
  view.setUint32(at + 4, snapshot.entries.length);
  at += 8;
  for (const e of snapshot.entries) {
    at = writeShort(head, at, e.id);
    view.setUint32(at, e.version);
    at = writeShort(head, at + 4, e.hash);
    view.setInt32(at, e.row);
    at += 4;
  }
  view.setUint32(at, rowCount);
  at += 4;
  const bytes = new Uint8Array(at + snapshot.rows.length * 4);
  bytes.set(head.subarray(0, at));
  if (littleEndian)
    bytes.set(new Uint8Array(snapshot.rows.buffer, snapshot.rows.byteOffset, snapshot.rows.byteLength), at);
  else {
    const out = new DataView(bytes.buffer);
    for (let i = 0; i < snapshot.rows.length; i++) out.setFloat32(at + i * 4, snapshot.rows[i] ?? 0, true);
  }
  return bytes;
}

const encoder = new TextEncoder();

/** A u8 length and the string's UTF-8 after it; the offset after them. */
function writeShort(bytes: Uint8Array, at: number, text: string): number {
  const { written } = encoder.encodeInto(text, bytes.subarray(at + 1, at + 1 + Math.min(255, 3 * text.length)));
  if (written > 255) throw new Error('a snapshot id is longer than 255 bytes');
  bytes[at] = written;
  return at + 1 + written;
}

/** The inverse of encodeSnapshot; null for bytes that are not one (the index is then rebuilt). */
export function decodeSnapshot(bytes: Uint8Array): IndexSnapshot | null {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint8(0) !== FORMAT) return null;
    const modelLength = view.getUint16(1);
    const model = fromUtf8(bytes.subarray(3, 3 + modelLength));
    let at = 3 + modelLength;
    const dims = view.getUint32(at);
    const count = view.getUint32(at + 4);
    at += 8;
    if (dims < 1 || dims > MAX_DIMS) return null;
    const entries: SnapshotEntry[] = [];
    for (let i = 0; i < count; i++) {
      const idLength = view.getUint8(at);
      const id = fromUtf8(bytes.subarray(at + 1, at + 1 + idLength));
      at += 1 + idLength;
      const version = view.getUint32(at);
      const hashLength = view.getUint8(at + 4);
      const hash = fromUtf8(bytes.subarray(at + 5, at + 5 + hashLength));
      at += 5 + hashLength;
      const row = view.getInt32(at);
      at += 4;
      entries.push({ id, version, hash, row });
    }
    const rowCount = view.getUint32(at);
    at += 4;
    if (bytes.length !== at + rowCount * dims * 4) return null;
    if (entries.some((e) => e.row < -1 || e.row >= rowCount)) return null;
    const rows = new Float32Array(rowCount * dims);
    if (littleEndian) new Uint8Array(rows.buffer).set(bytes.subarray(at));
    else for (let i = 0; i < rows.length; i++) rows[i] = view.getFloat32(at + i * 4, true);
    return { model, dims, entries, rows };
  } catch {
    // Read past the end (a RangeError) or not UTF-8: not a snapshot of ours.
    return null;
  }
}
