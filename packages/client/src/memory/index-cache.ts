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
  const entries = snapshot.entries.map((e) => ({ ...e, idBytes: utf8(e.id), hashBytes: utf8(e.hash) }));
  const rowCount = snapshot.rows.length / snapshot.dims;
  let size = 1 + 2 + model.length + 4 + 4 + 4 + rowCount * snapshot.dims * 4;
  for (const e of entries) size += 1 + e.idBytes.length + 4 + 1 + e.hashBytes.length + 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let at = 0;
  view.setUint8(at, FORMAT);
  view.setUint16(at + 1, model.length);
  bytes.set(model, at + 3);
  at += 3 + model.length;
  view.setUint32(at, snapshot.dims);
  view.setUint32(at + 4, entries.length);
  at += 8;
  for (const e of entries) {
    view.setUint8(at, e.idBytes.length);
    bytes.set(e.idBytes, at + 1);
    at += 1 + e.idBytes.length;
    view.setUint32(at, e.version);
    view.setUint8(at + 4, e.hashBytes.length);
    bytes.set(e.hashBytes, at + 5);
    at += 5 + e.hashBytes.length;
    view.setInt32(at, e.row);
    at += 4;
  }
  view.setUint32(at, rowCount);
  at += 4;
  if (littleEndian)
    bytes.set(new Uint8Array(snapshot.rows.buffer, snapshot.rows.byteOffset, snapshot.rows.byteLength), at);
  else for (let i = 0; i < snapshot.rows.length; i++) view.setFloat32(at + i * 4, snapshot.rows[i] ?? 0, true);
  return bytes;
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
