import type { TaggedSentence } from './slot-data.ts';
import { type SlotTagger, tagTokens } from './tagger.ts';

function spans(tags: string[]): Set<string> {
  const out = new Set<string>();
  let open: { type: string; start: number } | undefined;
  const close = (end: number) => {
    if (open) out.add(`${open.type}:${open.start}:${end}`);
    open = undefined;
  };
  tags.forEach((tag, i) => {
    if (tag.startsWith('I-') && open?.type === tag.slice(2)) return;
    close(i);
    if (tag !== 'O') open = { type: tag.slice(2), start: i };
  });
  close(tags.length);
  return out;
}

export interface SlotScore {
  type: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Exact-span precision, recall and F1 per slot type, and micro-averaged over all of them. */
export function scoreTagger(model: SlotTagger, sentences: TaggedSentence[]) {
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const get = (type: string) => {
    const c = counts.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    counts.set(type, c);
    return c;
  };
  for (const s of sentences) {
    const truth = spans(s.tags);
    const guess = spans(tagTokens(model, s.tokens));
    for (const g of guess) get(g.split(':')[0] as string)[truth.has(g) ? 'tp' : 'fp']++;
    for (const t of truth) if (!guess.has(t)) get(t.split(':')[0] as string).fn++;
  }
  const score = (type: string, c: { tp: number; fp: number; fn: number }): SlotScore => {
    const precision = c.tp / (c.tp + c.fp || 1);
    const recall = c.tp / (c.tp + c.fn || 1);
    return {
      type,
      precision,
      recall,
      f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      support: c.tp + c.fn,
    };
  };
  const all = { tp: 0, fp: 0, fn: 0 };
  for (const c of counts.values()) {
    all.tp += c.tp;
    all.fp += c.fp;
    all.fn += c.fn;
  }
  return {
    perType: [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, c]) => score(t, c)),
    micro: score('all', all),
  };
}
