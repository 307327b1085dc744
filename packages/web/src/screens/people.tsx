import type { PersonData, VaultRecord } from '@aura/client';
import { useState } from 'preact/hooks';
import { keys } from '../keys.ts';
import { FoundBy } from '../memory.tsx';
import { Busy, ErrorBox, useAction, useLoad } from '../ui/common.tsx';

const EMPTY: PersonData = { name: '', relationship: '', email: '', notes: '' };

/** Empty fields are left out, not stored as empty strings. */
function clean(p: PersonData): PersonData {
  const out: PersonData = { name: p.name.trim() };
  for (const key of ['relationship', 'email', 'notes'] as const) {
    const value = p[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** The people Aura knows, decrypted here; found by their words (blind indexes) and, when on, by meaning. */
export function People() {
  const [query, setQuery] = useState('');
  const [applied, setApplied] = useState('');
  const [editing, setEditing] = useState<VaultRecord<'relationships'> | null>(null);
  const [form, setForm] = useState<PersonData>(EMPTY);
  const list = useLoad(applied, (q) => keys.people(q));
  const { error, busy, run } = useAction();

  const save = async (event: Event) => {
    event.preventDefault();
    const data = clean(form);
    const done = await run('Encrypting and saving…', () =>
      editing ? keys.update('relationships', editing.id, data) : keys.put('relationships', data),
    );
    if (done) {
      setEditing(null);
      setForm(EMPTY);
      list.reload();
    }
  };
  const field = (name: keyof PersonData, label: string) => {
    const props = {
      name,
      value: form[name] ?? '',
      required: name === 'name',
      onInput: (e: { currentTarget: HTMLInputElement }) => setForm({ ...form, [name]: e.currentTarget.value }),
    };
    const id = `person-${name}`;
    return (
      <>
        <label for={id}>{label}</label>
        {name === 'email' ? <input id={id} type="email" {...props} /> : <input id={id} type="text" {...props} />}
      </>
    );
  };

  return (
    <div class="two">
      <section class="card" aria-labelledby="people-h">
        <h2 id="people-h">People</h2>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setApplied(query);
          }}
        >
          <label>
            Search people
            <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          </label>
          <button type="submit">Search</button>
        </form>
        <ErrorBox error={list.error} />
        {list.value?.notice && (
          <p class="hint" role="status" data-testid="search-notice">
            {list.value.notice}
          </p>
        )}
        <ul class="records" data-testid="people">
          {(list.value?.hits ?? []).map(({ record: p, via, confidence }) => (
            <li data-via={via.join(' ')}>
              <strong>{p.data.name}</strong>
              {p.data.relationship ? ` · ${p.data.relationship}` : ''}
              {p.data.email ? ` · ${p.data.email}` : ''}
              <FoundBy via={via} confidence={confidence} />
              {p.data.notes && <div class="why">{p.data.notes}</div>}
              <div class="actions">
                <button
                  type="button"
                  class="secondary small"
                  onClick={() => {
                    setEditing(p);
                    setForm({ ...EMPTY, ...p.data });
                  }}
                >
                  Edit <span class="visually-hidden">{p.data.name}</span>
                </button>
                <button
                  type="button"
                  class="secondary small"
                  onClick={() => run('Deleting…', () => keys.remove('relationships', p.id)).then(list.reload)}
                >
                  Delete <span class="visually-hidden">{p.data.name}</span>
                </button>
              </div>
            </li>
          ))}
          {list.value?.hits.length === 0 && (
            <li class="hint">{applied ? `No one matches “${applied}”.` : 'No one yet.'}</li>
          )}
        </ul>
      </section>
      <form class="card" onSubmit={save} aria-labelledby="person-form-h">
        <h2 id="person-form-h">{editing ? `Edit ${editing.data.name}` : 'Add a person'}</h2>
        {field('name', 'Name')}
        {field('relationship', 'Relationship (colleague, sister…)')}
        {field('email', 'Email')}
        {field('notes', 'Notes')}
        <button type="submit" disabled={Boolean(busy)}>
          {editing ? 'Save' : 'Add person'}
        </button>
        {editing && (
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setEditing(null);
              setForm(EMPTY);
            }}
          >
            Cancel
          </button>
        )}
        <Busy label={busy} />
        <ErrorBox error={error} />
      </form>
    </div>
  );
}
