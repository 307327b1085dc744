/**
 * The dot products of one query with every row, in WebAssembly SIMD (f32x4): four multiply-adds
 * an instruction where the JavaScript loop does one. Written out here as the module's bytes (212
 * of them; the text form is beside each instruction), so nothing is fetched or built: the
 * function is `dots(q, rows, n, dims, out)`, byte offsets into the memory it imports, with
 * `out[r] = q · rows[r]` in float32 and dims a multiple of 4.
 */

const leb = (value: number): number[] => {
  const out: number[] = [];
  let n = value;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
// Parameters 0-4: q, rows, n, dims, out; locals 5 r, 6 i, 7 the row's address, 8 the v128 sum.
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
/** base + i * 4 */
const at = (base: number) => [...get(base), ...get(6), 0x41, 2, 0x74, 0x6a];
const V128_LOAD = [0xfd, 0x00, 2, 0];
const F32X4_MUL = [0xfd, 0xe6, 0x01];
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const lane = (k: number) => [...get(8), 0xfd, 0x1f, k];

const body = [
  ...[2, 3, 0x7f, 1, 0x7b], // locals: 3 i32, 1 v128
  ...get(1),
  ...set(7), // row = rows
  ...[0x02, 0x40, 0x03, 0x40], // block, loop (rows)
  ...get(5),
  ...get(2),
  ...[0x4f, 0x0d, 1], // r >= n: done
  ...[0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  ...set(8), // sum = 0
  ...[0x41, 0],
  ...set(6), // i = 0
  ...[0x02, 0x40, 0x03, 0x40], // block, loop (dims)
  ...get(6),
  ...get(3),
  ...[0x4f, 0x0d, 1], // i >= dims: row done
  ...get(8),
  ...at(0),
  ...V128_LOAD,
  ...at(7),
  ...V128_LOAD,
  ...F32X4_MUL,
  ...F32X4_ADD,
  ...set(8), // sum += q[i..i+4] * row[i..i+4]
  ...get(6),
  ...[0x41, 4, 0x6a],
  ...set(6),
  ...[0x0c, 0, 0x0b, 0x0b], // i += 4, again
  ...get(4),
  ...get(5),
  ...[0x41, 2, 0x74, 0x6a], // &out[r]
  ...lane(0),
  ...lane(1),
  0x92,
  ...lane(2),
  0x92,
  ...lane(3),
  0x92,
  ...[0x38, 2, 0], // out[r] = the four lanes' sum
  ...get(7),
  ...get(3),
  ...[0x41, 2, 0x74, 0x6a],
  ...set(7), // row += dims * 4
  ...get(5),
  ...[0x41, 1, 0x6a],
  ...set(5), // r += 1
  ...[0x0c, 0, 0x0b, 0x0b, 0x0b],
];

export const DOTS_WASM = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
  ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // (i32 x5) -> ()
  ...section(2, [1, ...name('env'), ...name('memory'), 2, 0, 1]), // imports a memory
  ...section(3, [1, 0]),
  ...section(7, [1, ...name('dots'), 0, 0]),
  ...section(10, [1, ...leb(body.length), ...body]),
]);

export type Dots = (q: number, rows: number, n: number, dims: number, out: number) => void;

let module: WebAssembly.Module | null | undefined;

/**
 * The kernel over `memory`, or null where WebAssembly SIMD cannot run (an old engine, or a page
 * whose Content-Security-Policy refuses WebAssembly): the caller then uses the JavaScript loop.
 */
export function dotsKernel(memory: WebAssembly.Memory): Dots | null {
  if (module === undefined) {
    try {
      module =
        typeof WebAssembly === 'object' && WebAssembly.validate(DOTS_WASM) ? new WebAssembly.Module(DOTS_WASM) : null;
    } catch {
      module = null;
    }
  }
  if (!module) return null;
  try {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    return instance.exports.dots as Dots;
  } catch {
    return null;
  }
}
