/**
 * What a list request does and to what, from free phrasing: "tack eggs onto the shopping list",
 * "put bread and butter on my grocery list", "cross milk off my list", "what's on the list".
 */
export interface ListRequest {
  verb?: 'add' | 'remove' | 'show';
  /** The list named ("shopping", "grocery"); absent when the request says only "the list". */
  list?: string;
  items: string[];
}

const LIST = /\b(?:(?:my|the|our|a|this)\s+)?((?:[\p{L}'-]+\s+){0,2}?)(?:list|lists)\b/iu;
const REMOVE =
  /\b(remove|delete|erase|drop|take|cross|strike|scratch|get rid of|no longer need|don'?t need)\b(?:\s+(?:off|out))?/i;
const ADD =
  /\b(add|put|tack|stick|throw|pop|include|append|place|jot(?:\s+down)?|write(?:\s+down)?|note(?:\s+down)?|need|want|get)\b(?:\s+(?:down|on|in))?/i;
const SHOW = /\b(what'?s|what is|what are|show|read|tell me|list|see|check|whats|view|anything)\b/i;

/** "bread and butter", "eggs, milk, and a loaf of bread" → the items, without "some". */
export function splitItems(phrase: string): string[] {
  return phrase
    .split(/\s*,\s*(?:and\s+|&\s+)?|\s+and\s+|\s*&\s*|\s+plus\s+/i)
    .map((s) =>
      s
        .trim()
        .replace(
          /^(?:some|more|the|a few|a couple of|an?)\s+(?!(?:dozen|couple|pair|bag|box|bottle|can|jar|loaf|pack|few)\b)/i,
          '',
        )
        .replace(/^(?:please\s+)?/i, '')
        .replace(/[\s.!?"']+$/g, '')
        .replace(/^["']+/, '')
        .trim(),
    )
    .filter((s) => s !== '' && !/^(it|them|that|this|those|these)$/i.test(s));
}

const NOT_A_NAME =
  /^(?:to|on|onto|off|of|from|in|into|for|at|me|my|the|our|a|an|this|that|your|it|them|show|read|see|check|whats|what's|is|on|entire|whole|full|current)$/i;
const PRONOUN = /^(it|them|that|this|those|these)$/i;

/** "the shopping list" → shopping; "off my list", "show me the list" → no name; and how many words it kept. */
function listName(words: string | undefined): { name?: string; kept: number } {
  const kept: string[] = [];
  for (const w of (words ?? '').trim().split(/\s+/).reverse()) {
    if (!w || NOT_A_NAME.test(w)) break;
    kept.unshift(w);
  }
  const name = kept.join(' ').toLowerCase().replace(/'s$/, '');
  return name ? { name, kept: kept.length } : { kept: 0 };
}

export function listRequest(text: string): ListRequest {
  const list = text.match(LIST);
  const named = listName(list?.[1]);
  let name = named.name;
  const out: ListRequest = { items: [] };
  // The match may begin words early ("onions from list"): the list starts at its kept name words.
  let before = text;
  if (list) {
    const words = (list[1] ?? '').trim().split(/\s+/).filter(Boolean);
    const dropped = words.slice(0, words.length - named.kept).join(' ');
    const at = (list.index ?? 0) + (dropped ? list[0].indexOf(dropped) + dropped.length : 0);
    before = text.slice(0, at).replace(/\s+(?:my|the|our|a|this)\s*$/i, ' ');
  }
  const remove = before.match(REMOVE);
  const add = before.match(ADD);
  const verb = remove && (!add || (remove.index ?? 0) <= (add.index ?? 0)) ? remove : add;
  if (verb) {
    out.verb = verb === remove ? 'remove' : 'add';
    // The item is between the verb and the preposition that leads to the list ("onto the …").
    let phrase = before.slice((verb.index ?? 0) + verb[0].length);
    if (list) phrase = phrase.replace(/\s+(?:to|onto|on|into|in|from|off|off of|for|at)\s*$/i, '');
    phrase = phrase
      .replace(/\s+(?:to|onto|on|into|from|off)\s+(?:my|the|our)\b.*$/i, '')
      .replace(/^\s*(?:off|out|of)\s+/i, '');
    // "add toothpaste to shopping": a list named without the word "list".
    const bare = list ? undefined : phrase.match(/\s+(?:to|onto|on|off|from)\s+(?:my\s+|the\s+)?([\p{L}-]+)\s*$/iu);
    if (bare?.[1] && !PRONOUN.test(bare[1])) {
      name = bare[1].toLowerCase();
      phrase = phrase.slice(0, bare.index);
    }
    out.items = splitItems(phrase);
    // "we're out of coffee, add it to the list": "it" is what was named before.
    if (out.items.length === 0 && PRONOUN.test(phrase.trim())) {
      const earlier = before
        .slice(0, verb.index)
        .match(
          /\b(?:out of|got|bought|have|picked up|found|need|ran out of)\s+(?:the\s+|some\s+|more\s+)?(.+?)\s*(?:[,;.]|\s(?:so|then|now|please)\b|$)/i,
        );
      if (earlier?.[1]) out.items = splitItems(earlier[1]);
    }
    if (out.items.length === 0 && out.verb === 'add' && SHOW.test(before)) out.verb = 'show';
  } else if (SHOW.test(text) || /\?\s*$/.test(text)) out.verb = 'show';
  if (name) out.list = name;
  return out;
}
