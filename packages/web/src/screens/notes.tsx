import type { VaultRecord } from '@aura/client';
import { useState } from 'preact/hooks';
import { keys } from '../keys.ts';
import { FoundBy } from '../memory.tsx';
import type { Found } from '../shared/types.ts';
import { Busy, ErrorBox, formatTime, useAction, useLoad } from '../ui/common.tsx';

type Note = VaultRecord<'contexts'>;
const TYPES = ['note', 'preference', 'list', 'reminder'];
const itemsOf = (n: Note) => ((n.data.fields?.items as unknown[]) ?? []).map(String);

/** Context notes, lists and reminders: what the assistant knows and keeps for the user. */
export function Notes() {
  const [query, setQuery] = useState('');
  const [filter, setFilter] = useState('');
  const [applied, setApplied] = useState({ query: '', filter: '' });
  const [text, setText] = useState('');
  const [type, setType] = useState('note');
  const [item, setItem] = useState<Record<string, string>>({});
  const notes = useLoad(JSON.stringify(applied), () =>
    keys.notes(applied.query, applied.filter ? [applied.filter] : []),
  );
  const { error, busy, run } = useAction();
  const all = (notes.value?.hits ?? []).filter((n) => n.record.data.type !== 'event');
  const lists = all.filter((n) => n.record.data.type === 'list');
  const reminders = all.filter((n) => n.record.data.type === 'reminder');
  const others = all.filter((n) => n.record.data.type !== 'list' && n.record.data.type !== 'reminder');
  const searched = applied.query.trim() !== '';

  const add = async (event: Event) => {
    event.preventDefault();
    if (!text.trim()) return;
    const data =
      type === 'list'
        ? { text: text.trim(), type, fields: { items: [] } }
        : type === 'reminder'
          ? { text: text.trim(), type, fields: { done: false } }
          : { text: text.trim(), type };
    if (await run('Encrypting and saving…', () => keys.put('contexts', data))) {
      setText('');
      notes.reload();
    }
  };
  const addItem = (list: Note) => async (event: Event) => {
    event.preventDefault();
    const value = item[list.id]?.trim();
    if (!value) return;
    const data = { ...list.data, fields: { ...list.data.fields, items: [...itemsOf(list), value] } };
    if (await run('Saving…', () => keys.update('contexts', list.id, data))) {
      setItem({ ...item, [list.id]: '' });
      notes.reload();
    }
  };
  const removeItem = (list: Note, index: number) =>
    run('Saving…', () =>
      keys.update('contexts', list.id, {
        ...list.data,
        fields: { ...list.data.fields, items: itemsOf(list).filter((_, i) => i !== index) },
      }),
    ).then(notes.reload);
  const toggle = (r: Note) =>
    run('Saving…', () =>
      keys.update('contexts', r.id, { ...r.data, fields: { ...r.data.fields, done: !r.data.fields?.done } }),
    ).then(notes.reload);

  return (
    <div class="stack">
      <section class="card" aria-labelledby="notes-h">
        <h2 id="notes-h">Notes, lists and reminders</h2>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied({ query, filter });
          }}
        >
          <label>
            Search notes
            <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          </label>
          <label>
            Of type
            <select value={filter} onChange={(e) => setFilter(e.currentTarget.value)}>
              <option value="">any</option>
              {TYPES.map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          </label>
          <button type="submit">Search</button>
        </form>
        {notes.value?.notice && (
          <p class="hint" role="status" data-testid="search-notice">
            {notes.value.notice}
          </p>
        )}
        <form class="inline" onSubmit={add}>
          <label>
            New
            <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
              {TYPES.map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          </label>
          <label>
            Text
            <input value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={Boolean(busy)}>
            Add
          </button>
        </form>
        <Busy label={busy} />
        <ErrorBox error={error ?? notes.error} />
      </section>
      <div class="two">
        <section class="card" aria-labelledby="lists-h">
          <h2 id="lists-h">Lists</h2>
          {lists.length === 0 && <p class="hint">No lists yet. “Add milk to my shopping list” makes one.</p>}
          {lists.map(({ record: l, via, confidence }) => (
            <div class="list" data-testid="list" data-via={via.join(' ')}>
              <h3>
                {l.data.text}
                <FoundBy via={via} confidence={confidence} />
              </h3>
              <ul>
                {itemsOf(l).map((it, i) => (
                  <li>
                    {it}{' '}
                    <button type="button" class="secondary small" onClick={() => removeItem(l, i)}>
                      Remove <span class="visually-hidden">{it}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <form class="inline" onSubmit={addItem(l)}>
                <label>
                  Add to {l.data.text}
                  <input
                    value={item[l.id] ?? ''}
                    onInput={(e) => setItem({ ...item, [l.id]: e.currentTarget.value })}
                  />
                </label>
                <button type="submit">Add</button>
              </form>
            </div>
          ))}
        </section>
        <section class="card" aria-labelledby="reminders-h">
          <h2 id="reminders-h">Reminders</h2>
          {reminders.length === 0 && <p class="hint">No reminders.</p>}
          <ul class="records">
            {reminders.map(({ record: r, via, confidence }) => (
              <li data-via={via.join(' ')}>
                <label class="check">
                  <input type="checkbox" checked={Boolean(r.data.fields?.done)} onChange={() => toggle(r)} />
                  {r.data.text}
                  {typeof r.data.fields?.at === 'string' ? ` · ${formatTime(r.data.fields.at)}` : ''}
                </label>
                <FoundBy via={via} confidence={confidence} />
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section class="card" aria-labelledby="other-h">
        <h2 id="other-h">Notes</h2>
        <ul class="records" data-testid="notes">
          {others.map(({ record: n, via, confidence }: Found<Note>) => (
            <li data-via={via.join(' ')}>
              <span class="badge">{n.data.type ?? 'note'}</span> {n.data.text}
              <FoundBy via={via} confidence={confidence} />{' '}
              <button
                type="button"
                class="secondary small"
                onClick={() => run('Deleting…', () => keys.remove('contexts', n.id)).then(notes.reload)}
              >
                Delete <span class="visually-hidden">{n.data.text}</span>
              </button>
            </li>
          ))}
          {notes.value && others.length === 0 && (
            <li class="hint">{searched ? `No note matches “${applied.query}”.` : 'No notes yet.'}</li>
          )}
        </ul>
      </section>
    </div>
  );
}
