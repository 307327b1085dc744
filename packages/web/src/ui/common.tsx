import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../keys.ts';
import type { WebError } from '../shared/types.ts';

/** A failure as a person reads it: what went wrong, and the stable code to search for. */
export function ErrorBox({ error }: { error: WebError | null }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message} <code>{error.code}</code>
    </p>
  );
}

/** Progress on long work (Argon2id, a plan): an indeterminate bar and what is happening. */
export function Busy({ label }: { label: string | null }) {
  if (!label) return null;
  return (
    <p class="busy" role="status" aria-live="polite">
      <progress aria-label={label} /> {label}
    </p>
  );
}

/** Runs one action at a time, keeping its error and whether it is running. */
export function useAction() {
  const [error, setError] = useState<WebError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const run = useCallback(async <T,>(label: string, action: () => Promise<T>): Promise<T | undefined> => {
    setError(null);
    setBusy(label);
    try {
      return await action();
    } catch (e) {
      setError(describeError(e));
      return undefined;
    } finally {
      setBusy(null);
    }
  }, []);
  return { error, busy, run, setError };
}

/**
 * Loads a value for `key` and reloads it when the key changes or on demand (after a change, or
 * when an event says it changed). The loader is read from a ref: a new closure is not a reload.
 */
export function useLoad<T>(key: string, load: (key: string, tick: number) => Promise<T>) {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<WebError | null>(null);
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    loader.current(key, tick).then(
      (v) => {
        if (!live) return;
        setValue(v);
        setError(null);
      },
      (e: unknown) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { value, error, reload };
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export const formatTime = (at: string | number) =>
  new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
