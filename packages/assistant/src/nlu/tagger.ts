import { fnv1a32 } from './features.ts';
import { rng } from './model.ts';
import { normalizeToken, type TaggedSentence } from './slot-data.ts';

/**
 * A greedy left-to-right sequence tagger (averaged perceptron) over hashed features of the
 * words around each token and the previous tag: small, fast, deterministic, and good enough
 * for names, places and event titles in one-sentence requests. Dates and times are chrono's
 * job; the tagger knows them only so it does not take them for titles.
 */
export const TAGGER_BITS = 15;
const BUCKETS = 1 << TAGGER_BITS;
const MASK = BUCKETS - 1;

export interface SlotTagger {
  tags: string[];
  /** weights[f * tags.length + t] */
  weights: Float32Array;
}

function shape(word: string): string {
  if (word.includes('@')) return 'email';
  if (/^\d+$/.test(word)) return 'digits';
  if (/\d/.test(word)) return 'alnum';
  return word.length <= 2 ? 'short' : 'word';
}

function features(tokens: string[], i: number, prevTag: string): number[] {
  const w = (k: number) => tokens[i + k] ?? (k < 0 ? '<s>' : '</s>');
  const word = w(0);
  const keys = [
    'b',
    `w=${word}`,
    `w-1=${w(-1)}`,
    `w+1=${w(1)}`,
    `w-2=${w(-2)}`,
    `w+2=${w(2)}`,
    `w-1w=${w(-1)} ${word}`,
    `ww+1=${word} ${w(1)}`,
    `p3=${word.slice(0, 3)}`,
    `s3=${word.slice(-3)}`,
    `sh=${shape(word)}`,
    `t-1=${prevTag}`,
    `t-1w=${prevTag} ${word}`,
    `t-1w-1=${prevTag} ${w(-1)}`,
    `w-1w+1=${w(-1)} ${w(1)}`,
    `s2=${word.slice(-2)}`,
    `w+1s3=${w(1).slice(-3)}`,
    `w-1s3=${w(-1).slice(-3)}`,
  ];
  return keys.map((k) => fnv1a32(k, 7) & MASK);
}

function best(model: SlotTagger, feats: number[], prevTag: string): number {
  const k = model.tags.length;
  let top = 0;
  let topScore = -Infinity;
  for (let t = 0; t < k; t++) {
    const tag = model.tags[t] as string;
    // An inside tag continues a span of its own type; anything else would be a broken span.
    if (tag.startsWith('I-') && prevTag.slice(2) !== tag.slice(2)) continue;
    let s = 0;
    for (const f of feats) s += model.weights[f * k + t] as number;
    if (s > topScore) {
      topScore = s;
      top = t;
    }
  }
  return top;
}

/** Tags for normalized tokens. */
export function tagTokens(model: SlotTagger, tokens: string[]): string[] {
  const out: string[] = [];
  let prev = '<s>';
  for (let i = 0; i < tokens.length; i++) {
    const tag = model.tags[best(model, features(tokens, i, prev), prev)] as string;
    out.push(tag);
    prev = tag;
  }
  return out;
}

export interface TaggedSpan {
  type: string;
  /** The words as the user wrote them (original case), and where they are in the text. */
  text: string;
  start: number;
  end: number;
}

/** Spans in a user's text, with their original spelling. */
export function tagText(model: SlotTagger, text: string): TaggedSpan[] {
  const raw = [...text.matchAll(/\S+/g)]
    .map((m) => ({ token: normalizeToken(m[0]), start: m.index ?? 0, word: m[0] }))
    .filter((t) => t.token !== '');
  const tags = tagTokens(
    model,
    raw.map((r) => r.token),
  );
  const spans: TaggedSpan[] = [];
  for (const [i, tag] of tags.entries()) {
    const r = raw[i] as (typeof raw)[number];
    // Keep the word's own letters, without the punctuation around it.
    const lead = r.word.length - r.word.replace(/^[^\p{L}\p{N}@]+/u, '').length;
    const core = r.word.slice(lead).replace(/[^\p{L}\p{N}]+$/u, '');
    const start = r.start + lead;
    const end = start + core.length;
    const last = spans.at(-1);
    if (tag.startsWith('I-') && last && last.type === tag.slice(2)) {
      last.text = text.slice(last.start, end);
      last.end = end;
    } else if (tag !== 'O') spans.push({ type: tag.slice(2), text: core, start, end });
  }
  return spans;
}

export interface TaggerTrainOptions {
  epochs?: number;
  seed?: number;
}

/** Averaged perceptron with greedy decoding (the previous tag is the predicted one, as at run time). */
export function trainTagger(sentences: TaggedSentence[], options: TaggerTrainOptions = {}): SlotTagger {
  const { epochs = 8, seed = 42 } = options;
  const tags = ['O', ...[...new Set(sentences.flatMap((s) => s.tags))].filter((t) => t !== 'O').sort()];
  const index = new Map(tags.map((t, i) => [t, i]));
  const k = tags.length;
  const weights = new Float64Array(BUCKETS * k);
  const totals = new Float64Array(BUCKETS * k);
  const stamps = new Float64Array(BUCKETS * k);
  let clock = 0;
  const update = (f: number, t: number, delta: number) => {
    const j = f * k + t;
    totals[j] = (totals[j] as number) + (clock - (stamps[j] as number)) * (weights[j] as number);
    stamps[j] = clock;
    weights[j] = (weights[j] as number) + delta;
  };
  const model: SlotTagger = { tags, weights: weights as unknown as Float32Array };
  const order = sentences.map((_, i) => i);
  const random = rng(seed);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const n of order) {
      const s = sentences[n] as TaggedSentence;
      let prev = '<s>';
      for (let i = 0; i < s.tokens.length; i++) {
        clock++;
        const feats = features(s.tokens, i, prev);
        const guess = best(model, feats, prev);
        const truth = index.get(s.tags[i] as string) as number;
        if (guess !== truth) {
          for (const f of feats) {
            update(f, truth, 1);
            update(f, guess, -1);
          }
        }
        prev = tags[guess] as string;
      }
    }
  }
  const averaged = new Float32Array(BUCKETS * k);
  for (let j = 0; j < averaged.length; j++) {
    const total = (totals[j] as number) + (clock - (stamps[j] as number)) * (weights[j] as number);
    averaged[j] = total / clock;
  }
  return { tags, weights: averaged };
}

const MAGIC = 'aura-slot-tagger/1';

/** JSON header line (tags, scale), then one int8 per (feature, tag). */
export function serializeTagger(model: SlotTagger): Uint8Array {
  let max = 0;
  for (const w of model.weights) max = Math.max(max, Math.abs(w));
  const scale = max / 127 || 1;
  const body = new Int8Array(model.weights.length);
  for (let j = 0; j < body.length; j++) body[j] = Math.round((model.weights[j] as number) / scale);
  const header = new TextEncoder().encode(
    `${JSON.stringify({ magic: MAGIC, bits: TAGGER_BITS, tags: model.tags, scale })}\n`,
  );
  const out = new Uint8Array(header.length + body.length);
  out.set(header, 0);
  out.set(new Uint8Array(body.buffer), header.length);
  return out;
}

export function deserializeTagger(bytes: Uint8Array): SlotTagger {
  const newline = bytes.indexOf(10);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(0, newline)));
  if (header.magic !== MAGIC || header.bits !== TAGGER_BITS) throw new Error('not an Aura slot tagger of this version');
  const k = header.tags.length as number;
  const body = new Int8Array(bytes.buffer, bytes.byteOffset + newline + 1, BUCKETS * k);
  const weights = new Float32Array(BUCKETS * k);
  for (let j = 0; j < weights.length; j++) weights[j] = (body[j] as number) * header.scale;
  return { tags: header.tags, weights };
}
