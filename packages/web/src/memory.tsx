import { useEffect, useState } from 'preact/hooks';
import { keys, proxy } from './keys.ts';
import type { MemoryView } from './shared/types.ts';

let view: MemoryView | null = null;
const listeners = new Set<(v: MemoryView) => void>();
let watching = false;

/** The worker's search by meaning (its model, its background re-embedding), followed once per page. */
export function useMemoryView(): MemoryView | null {
  const [now, setNow] = useState(view);
  useEffect(() => {
    listeners.add(setNow);
    if (!watching) {
      watching = true;
      keys
        .watchMemory(
          proxy((next: MemoryView) => {
            view = next;
            for (const l of listeners) l(next);
          }),
        )
        .catch(() => {
          watching = false;
        });
    }
    return () => {
      listeners.delete(setNow);
    };
  }, []);
  return now;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The re-embedding as a person reads it, or null when there is nothing to say. */
export function reembedText(v: MemoryView | null): string | null {
  const r = v?.reembed;
  if (!r || r.state === 'idle') return null;
  if (r.state === 'running') return `Re-embedding ${r.what} ${r.done}/${r.total}…`;
  if (r.state === 'done')
    return r.notes + r.people === 0
      ? null
      : `Re-embedded with ${r.model}: ${plural(r.notes, 'note', 'notes')}, ${plural(r.people, 'person', 'people')}.`;
  return `Re-embedding stopped at ${r.what} ${r.done}/${r.total}: ${r.message}. Words find them meanwhile.`;
}

/** A line under the header while vectors are made: search works meanwhile (by words for those not done). */
export function ReembedProgress() {
  const v = useMemoryView();
  const text = reembedText(v);
  if (!text || !v) return null;
  const r = v.reembed;
  return (
    <p
      class={r.state === 'failed' ? 'error' : 'busy'}
      role="status"
      aria-live="polite"
      data-testid="reembed"
      data-state={r.state}
    >
      {r.state === 'running' && <progress aria-label="Re-embedding" max={r.total || 1} value={r.done} />} {text}
    </p>
  );
}

/** How a search found a hit: a badge when by meaning, and its confidence (nothing for a plain list). */
export function FoundBy({ via, confidence }: { via: ('words' | 'meaning')[]; confidence: number | null }) {
  if (confidence === null) return null;
  return (
    <>
      {' '}
      {via.includes('meaning') && (
        <span class="badge meaning" title="found by meaning: its vector is near the search's">
          by meaning
        </span>
      )}{' '}
      <span class="hint">confidence {confidence.toFixed(2)}</span>
    </>
  );
}
