import { useEffect, useState } from 'preact/hooks';
import { describeError, keys } from './keys.ts';
import { startLive, stopLive, useLiveState } from './live.ts';
import { ReembedProgress } from './memory.tsx';
import { Assistant } from './screens/assistant.tsx';
import { Calendar } from './screens/calendar.tsx';
import { Notes } from './screens/notes.tsx';
import { People } from './screens/people.tsx';
import { Settings } from './screens/settings.tsx';
import { Audit, Devices, Support } from './screens/trust.tsx';
import { Welcome } from './screens/welcome.tsx';
import type { Me } from './shared/types.ts';
import { ErrorBox } from './ui/common.tsx';

const SCREENS = {
  assistant: 'Assistant',
  people: 'People',
  notes: 'Notes & lists',
  calendar: 'Calendar',
  audit: 'Audit',
  devices: 'Devices',
  support: 'Support',
  settings: 'Settings',
} as const;
type Screen = keyof typeof SCREENS;

const screenOf = (hash: string): Screen => {
  const name = hash.replace(/^#\/?/, '');
  return name in SCREENS ? (name as Screen) : 'assistant';
};

function useScreen(): Screen {
  const [screen, setScreen] = useState(() => screenOf(location.hash));
  useEffect(() => {
    const onHash = () => {
      setScreen(screenOf(location.hash));
      document.getElementById('main')?.focus();
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return screen;
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<ReturnType<typeof describeError> | null>(null);
  const screen = useScreen();
  const live = useLiveState();
  useEffect(() => {
    keys.me().then(setMe, (e: unknown) => {
      setError(describeError(e));
      setMe(null);
    });
  }, []);
  useEffect(() => {
    if (!me) return;
    startLive().catch((e: unknown) => setError(describeError(e)));
    return () => {
      stopLive();
    };
  }, [me]);
  useEffect(() => {
    document.title = me ? `${SCREENS[screen]} · Aura` : 'Aura';
  }, [me, screen]);

  if (me === undefined) return <p role="status">Opening Aura…</p>;
  if (me === null)
    return (
      <>
        <ErrorBox error={error} />
        <Welcome onIn={setMe} />
      </>
    );
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span class="brand">Aura</span>
        <nav aria-label="Screens">
          {(Object.keys(SCREENS) as Screen[]).map((s) => (
            <a href={`#/${s}`} aria-current={s === screen ? 'page' : undefined}>
              {SCREENS[s]}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.email}{' '}
          <span class={`live ${live}`} title="notifications">
            {live === 'live' ? '● live' : live === 'reconnecting' ? '○ reconnecting' : '○ offline'}
          </span>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <h1 class="visually-hidden">{SCREENS[screen]}</h1>
        <ErrorBox error={error} />
        <ReembedProgress />
        {screen === 'assistant' && <Assistant />}
        {screen === 'people' && <People />}
        {screen === 'notes' && <Notes />}
        {screen === 'calendar' && <Calendar />}
        {screen === 'audit' && <Audit />}
        {screen === 'devices' && <Devices me={me} />}
        {screen === 'support' && <Support />}
        {screen === 'settings' && <Settings onOut={() => setMe(null)} />}
      </main>
    </div>
  );
}
