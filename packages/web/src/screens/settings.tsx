import { useState } from 'preact/hooks';
import { keys, proxy } from '../keys.ts';
import { reembedText, useMemoryView } from '../memory.tsx';
import type { MeaningSetting, WebSettings } from '../shared/types.ts';
import { Busy, ErrorBox, formatTime, useAction, useLoad } from '../ui/common.tsx';

const fromBase64Url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** Web Push from this browser: the service worker's subscription, registered with the server. */
function PushChannel() {
  const { error, busy, run, setError } = useAction();
  const deliveries = useLoad('deliveries', () => keys.deliveries());
  const [state, setState] = useState<string>(() => ('Notification' in self ? Notification.permission : 'unsupported'));
  const subscribe = () =>
    run('Subscribing this browser…', async () => {
      if (!('serviceWorker' in navigator) || !('PushManager' in self))
        return setError({
          code: 'AURA_INVALID_INPUT',
          message: 'this browser has no Web Push (or the page is not served over HTTPS or localhost)',
        });
      const permission = await Notification.requestPermission();
      setState(permission);
      if (permission !== 'granted')
        return setError({
          code: 'AURA_FORBIDDEN',
          message: 'notifications are blocked for this site; allow them in the browser settings',
        });
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromBase64Url(await keys.vapidKey()),
      });
      const json = subscription.toJSON();
      await keys.subscribePush({
        endpoint: json.endpoint ?? '',
        keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
      });
      setState('subscribed');
    });
  const unsubscribe = () =>
    run('Unsubscribing…', async () => {
      const registration = await navigator.serviceWorker.ready;
      await (await registration.pushManager.getSubscription())?.unsubscribe();
      await keys.unsubscribePush();
      setState('unsubscribed');
    });
  return (
    <section class="card" aria-labelledby="push-h">
      <h2 id="push-h">Notifications on this browser</h2>
      <p>
        Web Push: <span data-testid="push-state">{state}</span>. A notice carries ids only; this browser opens what it
        shows.
      </p>
      <div class="actions">
        <button type="button" onClick={subscribe} disabled={Boolean(busy)}>
          Notify this browser
        </button>
        <button type="button" class="secondary" onClick={unsubscribe} disabled={Boolean(busy)}>
          Stop
        </button>
      </div>
      <Busy label={busy} />
      <ErrorBox error={error} />
      <h3>Recent deliveries</h3>
      <ul class="records">
        {(deliveries.value ?? []).slice(0, 10).map((d) => (
          <li>
            {d.channel} · {d.outcome} · {formatTime(d.at)}
          </li>
        ))}
        {(deliveries.value ?? []).length === 0 && <li class="hint">None yet.</li>}
      </ul>
    </section>
  );
}

/** What the assistant may plan with here, where requests are understood, the agent's LLM endpoint. */
function Assistant() {
  const plugins = useLoad('plugins', () => keys.plugins());
  const settings = useLoad('settings', () => keys.settings());
  const { error, busy, run } = useAction();
  const [draft, setDraft] = useState<WebSettings | null>(null);
  const s = draft ?? settings.value;
  if (!s) return <ErrorBox error={settings.error} />;
  const save = (event: Event) => {
    event.preventDefault();
    run('Encrypting and saving…', () =>
      keys.saveSettings({ plugins: s.plugins, reasoning: s.reasoning, llmUrl: s.llmUrl.trim() }),
    ).then(() => {
      setDraft(null);
      settings.reload();
      plugins.reload();
    });
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby="assist-h">
      <h2 id="assist-h">Assistant and plugins</h2>
      <fieldset>
        <legend>Plugins the assistant plans with</legend>
        {(plugins.value ?? []).map((p) => (
          <label class="check">
            <input
              type="checkbox"
              name={`plugin-${p.name}`}
              checked={s.plugins.includes(p.name)}
              onChange={(e) =>
                setDraft({
                  ...s,
                  plugins: e.currentTarget.checked ? [...s.plugins, p.name] : s.plugins.filter((x) => x !== p.name),
                })
              }
            />
            {p.name} <span class="hint">({p.actions.join(', ')})</span>
          </label>
        ))}
        <p class="hint">
          Integrations (CalDAV, Google, email, MCP) are set up where the agent runs: <code>aura plugins add NAME</code>.
          A step no plugin of the agent can run fails there and says so.
        </p>
      </fieldset>
      <fieldset>
        <legend>Where requests are understood</legend>
        <label class="check">
          <input
            type="radio"
            name="reasoning"
            checked={s.reasoning === 'browser'}
            onChange={() => setDraft({ ...s, reasoning: 'browser' })}
          />
          In this browser (the offline model; nothing leaves unencrypted)
        </label>
        <label class="check">
          <input
            type="radio"
            name="reasoning"
            checked={s.reasoning === 'encrypted'}
            onChange={() => setDraft({ ...s, reasoning: 'encrypted' })}
          />
          In this browser, with the intent read by the server from encrypted features (homomorphic encryption: the
          server cannot read the request; for a slow device)
        </label>
        <label class="check">
          <input
            type="radio"
            name="reasoning"
            checked={s.reasoning === 'agent'}
            onChange={() => setDraft({ ...s, reasoning: 'agent' })}
          />
          By my agent (sent encrypted; it plans with its plugins and LLM)
        </label>
      </fieldset>
      <label>
        LLM endpoint (OpenAI-compatible), kept for your devices: the agent uses the AURA_LLM_URL it starts with
        <input
          type="url"
          name="llm"
          placeholder="http://127.0.0.1:11434/v1"
          value={s.llmUrl}
          onInput={(e) => setDraft({ ...s, llmUrl: e.currentTarget.value })}
        />
      </label>
      <button type="submit" disabled={Boolean(busy)}>
        Save
      </button>
      <Busy label={busy} />
      <ErrorBox error={error} />
    </form>
  );
}

const NO_ENDPOINT = { url: '', model: '', apiKey: '' };

/**
 * Search by meaning: off, the builtin embedding, or an endpoint this browser calls itself (never
 * through the Aura server). Kept in the sealed settings record, so the user's devices share it.
 */
function SearchByMeaning() {
  const settings = useLoad('settings', () => keys.settings());
  const memory = useMemoryView();
  const { error, busy, run } = useAction();
  const [draft, setDraft] = useState<MeaningSetting | null>(null);
  const [endpoint, setEndpoint] = useState<typeof NO_ENDPOINT | null>(null);
  const [saved, setSaved] = useState(false);
  const m = draft ?? settings.value?.meaning;
  if (!m) return <ErrorBox error={settings.error} />;
  const fields = endpoint ?? (m.kind === 'endpoint' ? m : NO_ENDPOINT);
  const choose = (next: MeaningSetting) => {
    setSaved(false);
    setDraft(next);
  };
  const edit = (change: Partial<typeof NO_ENDPOINT>) => {
    setSaved(false);
    setEndpoint({ ...fields, ...change });
    setDraft({ kind: 'endpoint', ...fields, ...change });
  };
  const save = async (event: Event) => {
    event.preventDefault();
    const meaning: MeaningSetting = m.kind === 'endpoint' ? { kind: 'endpoint', ...fields } : m;
    const ok = await run(
      m.kind === 'endpoint' ? 'Checking the endpoint from this browser…' : 'Encrypting and saving…',
      async () => {
        await keys.saveSettings({ meaning });
        return true;
      },
    );
    if (ok) {
      setDraft(null);
      setEndpoint(null);
      setSaved(true);
      settings.reload();
    }
  };
  const progress = reembedText(memory);
  return (
    <form class="card" onSubmit={save} aria-labelledby="meaning-h">
      <h2 id="meaning-h">Search by meaning</h2>
      <fieldset>
        <legend>Notes and people are found by their words, and</legend>
        <label class="check">
          <input type="radio" name="meaning" checked={m.kind === 'off'} onChange={() => choose({ kind: 'off' })} />
          by their words only (off)
        </label>
        <label class="check">
          <input
            type="radio"
            name="meaning"
            checked={m.kind === 'builtin'}
            onChange={() => choose({ kind: 'builtin' })}
          />
          by the builtin embedding, on this device: it is lexical, so it finds word forms and typos (“dentists”,
          “dentsit”), not meaning
        </label>
        <label class="check">
          <input
            type="radio"
            name="meaning"
            checked={m.kind === 'endpoint'}
            onChange={() => choose({ kind: 'endpoint', ...fields })}
          />
          by meaning, with an OpenAI-compatible embeddings endpoint (Ollama, llama.cpp, vLLM)
        </label>
      </fieldset>
      {m.kind === 'endpoint' && (
        <>
          <label>
            Endpoint URL
            <input
              type="text"
              inputMode="url"
              name="embeddings-url"
              placeholder="http://127.0.0.1:11434/v1"
              value={fields.url}
              onInput={(e) => edit({ url: e.currentTarget.value })}
            />
          </label>
          <label>
            Embedding model
            <input
              type="text"
              name="embeddings-model"
              placeholder="nomic-embed-text"
              value={fields.model}
              onInput={(e) => edit({ model: e.currentTarget.value })}
            />
          </label>
          <label>
            API key (optional)
            <input
              type="password"
              name="embeddings-key"
              autocomplete="off"
              value={fields.apiKey}
              onInput={(e) => edit({ apiKey: e.currentTarget.value })}
            />
          </label>
          <p class="hint">
            This browser sends the endpoint the text of each note and person you save and of each search, and calls it
            directly: the Aura server never sees them. The server&apos;s operator allows its address with
            AURA_WEB_CONNECT_ORIGINS, and the endpoint must allow this page&apos;s origin (CORS).
          </p>
        </>
      )}
      <button type="submit" disabled={Boolean(busy)}>
        Check and use
      </button>
      <Busy label={busy} />
      <ErrorBox error={error} />
      {saved && <p role="status">Saved for your devices.</p>}
      <p class="hint" data-testid="meaning-state">
        {memory?.model ? `In use: ${memory.model}.` : 'In use: words only.'}{' '}
        {memory?.simd
          ? 'The index runs in WebAssembly SIMD.'
          : 'The index runs in JavaScript (no WebAssembly SIMD here).'}
        {progress ? ` ${progress}` : ''}
      </p>
    </form>
  );
}

/** Password change and the two ways out. */
function Account({ onOut }: { onOut: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const [step, setStep] = useState<string | null>(null);
  const { error, busy, run, setError } = useAction();
  const change = async (event: Event) => {
    event.preventDefault();
    setDone(false);
    if (next.length < 10)
      return setError({ code: 'AURA_INVALID_INPUT', message: 'choose a new password of at least 10 characters' });
    const ok = await run('Changing your password…', async () => {
      await keys.changePassword(current, next, proxy(setStep));
      return true;
    });
    setStep(null);
    if (ok) {
      setDone(true);
      setCurrent('');
      setNext('');
    }
  };
  return (
    <section class="card" aria-labelledby="account-h">
      <h2 id="account-h">Account</h2>
      <form onSubmit={change}>
        <label>
          Current password
          <input
            type="password"
            autocomplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </label>
        <label>
          New password
          <input
            type="password"
            autocomplete="new-password"
            required
            value={next}
            onInput={(e) => setNext(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={Boolean(busy)}>
          Change password
        </button>
      </form>
      {done && <p role="status">Password changed. Your other devices keep working; use the new password to log in.</p>}
      <div class="actions">
        <button type="button" class="secondary" onClick={() => run('Logging out…', () => keys.logout()).then(onOut)}>
          Log out
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => run('Ending every session…', () => keys.logoutEverywhere()).then(onOut)}
        >
          Log out everywhere
        </button>
      </div>
      <Busy label={step ?? busy} />
      <ErrorBox error={error} />
    </section>
  );
}

export function Settings({ onOut }: { onOut: () => void }) {
  return (
    <div class="two">
      <div class="stack">
        <PushChannel />
        <Account onOut={onOut} />
      </div>
      <div class="stack">
        <Assistant />
        <SearchByMeaning />
      </div>
    </div>
  );
}
