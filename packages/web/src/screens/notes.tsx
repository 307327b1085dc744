import type { VaultRecord } from '@aura/client';
import { useState } from 'preact/hooks';
import { keys } from '../keys.ts';
import { Busy, ErrorBox, formatTime, useAction, useLoad } from '../ui/common.tsx';

type Note = VaultRecord<'contexts'>;
const itemsOf = (n: Note) => ((n.data.fields?.items as unknown[]) ?? []).map(String);

/** Context notes, lists and reminders: what the assistant knows and keeps for the user. */
export function Notes() {
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const [text, setText] = useState('');
  const [type, setType] = useState('note');
  const [item, setItem] = useState<Record<string, string>>({});
  const notes = useLoad(applied, (q) => keys.notes(q));
  const { error, busy, run } = useAction();
  const all = (notes.value ?? []).filter((n) => n.data.type !== 'event');
  const lists = all.filter((n) => n.data.type === 'list');
  const reminders = all.filter((n) => n.data.type === 'reminder');
  const others = all.filter((n) => n.data.type !== 'list' && n.data.type !== 'reminder');

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
            setApplied(query);
          }}
        >
          <label>
            Search notes
            <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          </label>
          <button type="submit">Search</button>
        </form>
        <form class="inline" onSubmit={add}>
          <label>
            New
            <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
              <option value="note">note</option>
              <option value="preference">preference</option>
              <option value="list">list</option>
              <option value="reminder">reminder</option>
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
          {lists.map((l) => (
            <div class="list" data-testid="list">
              <h3>{l.data.text}</h3>
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
            {reminders.map((r) => (
              <li>
                <label class="check">
                  <input type="checkbox" checked={Boolean(r.data.fields?.done)} onChange={() => toggle(r)} />
                  {r.data.text}
                  {typeof r.data.fields?.at === 'string' ? ` · ${formatTime(r.data.fields.at)}` : ''}
                </label>
              </li>
            ))}
          </ul>
        </section>
      </div>
      <section class="card" aria-labelledby="other-h">
        <h2 id="other-h">Notes</h2>
        <ul class="records" data-testid="notes">
          {others.map((n) => (
            <li>
              <span class="badge">{n.data.type ?? 'note'}</span> {n.data.text}{' '}
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
            <li class="hint">{applied ? `No note matches “${applied}”.` : 'No notes yet.'}</li>
          )}
        </ul>
      </section>
    </div>
  );
}
