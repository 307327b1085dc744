/**
 * Notes and the queries that should find them, written for issue 22: no query shares a word
 * with its note, so keyword search (blind indexes) misses every one, and only retrieval by
 * meaning finds them. `topicVector` is the "model" of the local embeddings server: a text of
 * the set gets its topic's direction plus a little noise of its own, any other text noise only.
 */
export interface MemoryCase {
  topic: number;
  note: string;
  query: string;
}

export const MEMORY_SET: readonly MemoryCase[] = [
  { topic: 1, note: 'Appointment with Dr. Patel on Thursday, teeth cleaning', query: 'dentist' },
  { topic: 2, note: 'Oil change and new brake pads for the Corolla at Midas', query: 'vehicle maintenance' },
  { topic: 3, note: 'Buy kibble and flea drops for Biscuit', query: 'dog supplies' },
  { topic: 4, note: 'Quarterly tax payment due to the IRS on the 15th', query: 'finances' },
  { topic: 5, note: 'Flight to Lisbon leaves at 7:40 from gate B12', query: 'holiday abroad' },
  { topic: 6, note: 'Take 20 mg of lisinopril every morning', query: 'blood pressure medication' },
  { topic: 7, note: "Mom's birthday dinner at Luigi's on Saturday", query: 'celebrating mother' },
  { topic: 8, note: 'The plumber fixes the leaking kitchen sink on Monday', query: 'house repairs' },
  { topic: 9, note: 'Send the slide deck to Priya before the board meeting', query: 'presentation directors' },
  { topic: 10, note: 'Run 5 km on Tuesdays and Thursdays with the club', query: 'jogging schedule' },
  { topic: 11, note: 'Plant tomato seedlings once the frost is over', query: 'vegetable gardening' },
  { topic: 12, note: 'Parent-teacher conference for Emma in room 204', query: "child's education" },
];

export const MEMORY_SET_DIMS = 384;

/** FNV-1a of a text: the seed of its noise. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The fixed vector of a text (unit length): its topic's axis if the set holds it, and noise. */
export function topicVector(text: string, dims = MEMORY_SET_DIMS): Float32Array {
  const known = MEMORY_SET.find((c) => c.note === text || c.query === text);
  const v = new Float32Array(dims);
  let s = seedOf(text) || 1;
  for (let i = 0; i < dims; i++) {
    s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0;
    v[i] = ((s / 0xffffffff) * 2 - 1) * 0.05;
  }
  if (known) v[known.topic] = (v[known.topic] ?? 0) + 1;
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let i = 0; i < dims; i++) v[i] = (v[i] ?? 0) / norm;
  return v;
}
