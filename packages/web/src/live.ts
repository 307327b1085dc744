import type { LoggedEvent } from '@aura/client';
import { useEffect, useState } from 'preact/hooks';
import { keys, proxy } from './keys.ts';

type Listener = (event: LoggedEvent) => void;
const listeners = new Set<Listener>();
let state: 'off' | 'live' | 'reconnecting' = 'off';
const stateListeners = new Set<(s: typeof state) => void>();

/** One notifications WebSocket per page (in the worker), fanned out to the screens that listen. */
export async function startLive(): Promise<void> {
  await keys.follow(
    proxy((event: LoggedEvent) => {
      for (const l of listeners) l(event);
    }),
    proxy((next: 'live' | 'reconnecting') => {
      state = next;
      for (const l of stateListeners) l(state);
    }),
  );
}

export async function stopLive(): Promise<void> {
  await keys.unfollow();
  state = 'off';
  for (const l of stateListeners) l(state);
}

/** Calls `onEvent` for each notice while the component is shown. */
export function useEvents(onEvent: Listener): void {
  useEffect(() => {
    const listener: Listener = (e) => onEvent(e);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  });
}

export function useLiveState() {
  const [now, setNow] = useState(state);
  useEffect(() => {
    stateListeners.add(setNow);
    return () => {
      stateListeners.delete(setNow);
    };
  }, []);
  return now;
}
