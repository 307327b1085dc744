/**
 * HWU64's slot annotations as tagger training data: `schedule a [event_name : meeting] with
 * [person : al] on [date : tuesday]` becomes tokens with BIO tags. Only the slot types Aura uses
 * are kept; every other annotated span is outside ("O").
 */
export const SLOT_TYPES = [
  'person',
  'relation',
  'place_name',
  'business_name',
  'event_name',
  'list_name',
  'email_address',
  'date',
  'time',
  'timeofday',
  'time_zone',
] as const;
export type SlotType = (typeof SLOT_TYPES)[number];

export interface TaggedSentence {
  tokens: string[];
  tags: string[];
}

/** A token as the tagger sees it: lower case, with the punctuation around it removed. */
export function normalizeToken(raw: string): string {
  return raw
    .normalize('NFKC')
    .toLowerCase()
    .replace(/’/g, "'")
    .replace(/^[^\p{L}\p{N}@]+|[^\p{L}\p{N}]+$/gu, '');
}

const kept = new Set<string>(SLOT_TYPES);

export function parseAnnotation(annotation: string): TaggedSentence {
  const tokens: string[] = [];
  const tags: string[] = [];
  const push = (text: string, type: string | undefined) => {
    let first = true;
    for (const raw of text.split(/\s+/)) {
      const token = normalizeToken(raw);
      if (!token) continue;
      tokens.push(token);
      tags.push(type && kept.has(type) ? `${first ? 'B' : 'I'}-${type}` : 'O');
      first = false;
    }
  };
  const span = /\[\s*([a-z_]+)\s*:\s*([^\]]*)\]/g;
  let at = 0;
  for (const m of annotation.matchAll(span)) {
    push(annotation.slice(at, m.index), undefined);
    push(m[2] ?? '', m[1]);
    at = (m.index ?? 0) + m[0].length;
  }
  push(annotation.slice(at), undefined);
  return { tokens, tags };
}

/** One `;`-separated HWU64 trainset file: fields may be quoted, with "" for a quote. */
export function parseTrainsetCsv(content: string): { annotation: string; text: string }[] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (quoted) {
      if (c === '"' && content[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ';') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && content[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  const [header, ...body] = rows.filter((r) => r.some((f) => f.trim() !== ''));
  const a = header?.indexOf('answer_annotation') ?? -1;
  const t = header?.indexOf('answer_from_anno') ?? -1;
  if (a < 0 || t < 0) throw new Error('expected the HWU64 trainset columns answer_annotation and answer_from_anno');
  return body.map((r) => ({ annotation: r[a] ?? '', text: r[t] ?? '' }));
}
