import { useState } from 'preact/hooks';
import { keys, proxy } from '../keys.ts';
import type { Me } from '../shared/types.ts';
import { Busy, ErrorBox, useAction } from '../ui/common.tsx';

type Mode = 'login' | 'register' | 'enroll';

const browserName = () => {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua)
    ? 'Firefox'
    : /Edg\//.test(ua)
      ? 'Edge'
      : /Chrom/.test(ua)
        ? 'Chromium'
        : 'Browser';
  const os = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Mac OS/.test(ua)
        ? 'macOS'
        : /Linux/.test(ua)
          ? 'Linux'
          : /Windows/.test(ua)
            ? 'Windows'
            : '';
  return `${browser}${os ? ` on ${os}` : ''}`;
};

/** Log in, create an account, or add this browser to an account by code and fingerprint. */
export function Welcome({ onIn }: { onIn: (me: Me) => void }) {
  const [mode, setMode] = useState<Mode>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [deviceName, setDeviceName] = useState(browserName());
  const [ticket, setTicket] = useState<{ code: string; fingerprint: string } | null>(null);
  const { error, busy, run, setError } = useAction();
  const [step, setStep] = useState<string | null>(null);
  const onProgress = proxy((s: string) => setStep(s));

  const submit = async (event: Event) => {
    event.preventDefault();
    if (mode === 'register' && password !== confirm)
      return setError({ code: 'AURA_INVALID_INPUT', message: 'the two passwords differ; type the same one twice' });
    if (mode === 'register' && password.length < 10)
      return setError({ code: 'AURA_INVALID_INPUT', message: 'choose a password of at least 10 characters' });
    const me = await run(mode === 'enroll' ? 'Waiting for approval…' : 'Working…', () =>
      mode === 'login'
        ? keys.login(email, password, onProgress)
        : mode === 'register'
          ? keys.register(email, password, deviceName, onProgress)
          : keys.enroll(email, deviceName, proxy(setTicket)),
    );
    setStep(null);
    if (me) onIn(me);
  };

  return (
    <main id="main" class="welcome">
      <h1>Aura</h1>
      <p class="lede">Your assistant. Your data is encrypted in this browser before it leaves it.</p>
      <div class="tabs" role="tablist" aria-label="How to start">
        {(
          [
            ['login', 'Log in'],
            ['register', 'Create account'],
            ['enroll', 'Add this browser'],
          ] as const
        ).map(([m, label]) => (
          <button
            type="button"
            role="tab"
            aria-selected={mode === m}
            class={mode === m ? 'tab active' : 'tab'}
            onClick={() => {
              setMode(m);
              setError(null);
              setTicket(null);
            }}
          >
            {label}
          </button>
        ))}
      </div>
      <form
        onSubmit={submit}
        class="card"
        aria-label={mode === 'login' ? 'Log in' : mode === 'register' ? 'Create account' : 'Add this browser'}
      >
        <label>
          Email
          <input
            type="email"
            name="email"
            autocomplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        {mode !== 'enroll' && (
          <label>
            Password
            <input
              type="password"
              name="password"
              autocomplete={mode === 'register' ? 'new-password' : 'current-password'}
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
        )}
        {mode === 'register' && (
          <label>
            Password again
            <input
              type="password"
              name="confirm"
              autocomplete="new-password"
              required
              value={confirm}
              onInput={(e) => setConfirm(e.currentTarget.value)}
            />
          </label>
        )}
        {mode !== 'login' && (
          <label>
            Name of this browser
            <input name="device" required value={deviceName} onInput={(e) => setDeviceName(e.currentTarget.value)} />
          </label>
        )}
        {mode === 'register' && (
          <p class="hint">
            Aura cannot reset a forgotten password: it never sees it, and nothing it stores opens your data without it.
          </p>
        )}
        <button type="submit" disabled={Boolean(busy)}>
          {mode === 'login' ? 'Log in' : mode === 'register' ? 'Create account' : 'Ask to join'}
        </button>
        <Busy label={step ?? busy} />
        {ticket && (
          <div class="ticket" role="status">
            <p>On a device already logged in, open Devices and approve:</p>
            <p>
              Code{' '}
              <strong class="code" data-testid="enroll-code">
                {ticket.code}
              </strong>
            </p>
            <p>
              Fingerprint{' '}
              <strong class="code" data-testid="enroll-fingerprint">
                {ticket.fingerprint}
              </strong>
            </p>
            <p class="hint">Approve only if the other device shows this same fingerprint.</p>
          </div>
        )}
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
