import type { CollectionName } from '@aura/client';
import { useState } from 'preact/hooks';
import { keys } from '../keys.ts';
import { useEvents } from '../live.ts';
import type { Me } from '../shared/types.ts';
import { Busy, ErrorBox, formatTime, useAction, useLoad } from '../ui/common.tsx';

/** The audit log, verified here: every entry's inclusion, and consistency with the last checkpoint. */
export function Audit() {
  const audit = useLoad('audit', () => keys.audit());
  const s = audit.value;
  return (
    <section class="card" aria-labelledby="audit-h">
      <div class="row">
        <h2 id="audit-h">Audit log</h2>
        <button type="button" class="secondary" onClick={audit.reload}>
          Verify again
        </button>
      </div>
      <ErrorBox error={audit.error} />
      {!s && !audit.error && <p role="status">Verifying the signed log in this browser…</p>}
      {s?.valid && (
        <p class="verified" role="status" data-testid="audit-status" data-valid="true">
          Verified: every entry is proven in the signed log, which only grew since the last check.
        </p>
      )}
      {s && !s.valid && (
        <div class="failed" role="alert" data-testid="audit-status" data-valid="false">
          <p>
            <strong>The audit log did not verify.</strong> The server rewrote, hid or forked your history.
          </p>
          <ul>
            {s.issues.map((i) => (
              <li>
                <code>{i.type}</code> {i.detail}
              </li>
            ))}
          </ul>
        </div>
      )}
      {s?.lastVerified && (
        <p class="hint">
          Last verified checkpoint: {s.lastVerified.treeSize} entries, root{' '}
          <code>{s.lastVerified.root.slice(0, 16)}…</code>, {formatTime(s.lastVerified.at)}
        </p>
      )}
      {s?.valid && (
        <div class="scroll">
          <table>
            <caption class="visually-hidden">Latest audit entries</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Action</th>
                <th scope="col">Result</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {s.entries.map((e) => (
                <tr>
                  <td>{e.index}</td>
                  <td>{formatTime(e.timestamp)}</td>
                  <td>{e.eventType}</td>
                  <td>{e.action}</td>
                  <td>{e.result}</td>
                  <td>{e.actor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The account's devices, checked against its signed history; devices asking to join. */
export function Devices({ me }: { me: Me }) {
  const devices = useLoad('devices', () => keys.devices());
  const pending = useLoad('pending', () => keys.pendingEnrollments());
  const [confirmed, setConfirmed] = useState<Record<string, boolean>>({});
  const { error, busy, run } = useAction();
  useEvents((e) => {
    if (e.notice.type === 'device') {
      pending.reload();
      devices.reload();
    }
  });
  return (
    <div class="stack">
      <section class="card" aria-labelledby="pending-h">
        <h2 id="pending-h">Devices asking to join</h2>
        {(pending.value ?? []).length === 0 && (
          <p class="hint">None. On a new browser, choose “Add this browser”; it shows a code and a fingerprint.</p>
        )}
        <ul class="records" data-testid="pending">
          {(pending.value ?? []).map((p) => (
            <li>
              <strong>{p.name}</strong> shows code <code>{p.code}</code>
              <div>
                Fingerprint <code>{p.fingerprint}</code>
              </div>
              <label class="check">
                <input
                  type="checkbox"
                  checked={Boolean(confirmed[p.enrollmentId])}
                  onChange={(e) => setConfirmed({ ...confirmed, [p.enrollmentId]: e.currentTarget.checked })}
                />
                The new device shows this same code and fingerprint
              </label>
              <button
                type="button"
                disabled={!confirmed[p.enrollmentId] || Boolean(busy)}
                onClick={() =>
                  run('Sealing your key to the new device…', () => keys.approveEnrollment(p.code, p.fingerprint)).then(
                    () => {
                      pending.reload();
                      devices.reload();
                    },
                  )
                }
              >
                Approve {p.name}
              </button>
            </li>
          ))}
        </ul>
        <Busy label={busy} />
        <ErrorBox error={error ?? pending.error} />
      </section>
      <section class="card" aria-labelledby="devices-h">
        <h2 id="devices-h">Your devices</h2>
        <ErrorBox error={devices.error} />
        <ul class="records" data-testid="devices">
          {(devices.value ?? []).map((d) => (
            <li>
              <strong>{d.name || 'unnamed'}</strong>
              {d.id === me.deviceId ? ' (this browser)' : ''}{' '}
              {d.revokedAt ? <span class="badge failed">revoked</span> : null}{' '}
              <span class={d.verification === 'verified' ? 'badge succeeded' : 'badge failed'}>
                {d.verification === 'verified' ? 'verified' : `not verified: ${d.verification.replace(/_/g, ' ')}`}
              </span>
              <div>
                Fingerprint <code>{d.fingerprint}</code>
              </div>
              {!d.revokedAt && d.id !== me.deviceId && (
                <button
                  type="button"
                  class="secondary small"
                  onClick={() => run('Signing the revocation…', () => keys.revokeDevice(d.id)).then(devices.reload)}
                >
                  Revoke {d.name}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

const CATEGORIES: CollectionName[] = ['contexts', 'relationships', 'learning-events'];

/** Support: who asks to see what, a grant only after the agent's fingerprint is confirmed, revocation. */
export function Support() {
  const requests = useLoad('requests', () => keys.supportRequests());
  const grants = useLoad('grants', () => keys.supportGrants());
  const [chosen, setChosen] = useState<Record<string, CollectionName[]>>({});
  const [checked, setChecked] = useState<Record<string, boolean>>({});
  const { error, busy, run } = useAction();
  useEvents((e) => {
    if (e.notice.type === 'support') {
      requests.reload();
      grants.reload();
    }
  });
  return (
    <div class="two">
      <section class="card" aria-labelledby="req-h">
        <h2 id="req-h">Support requests</h2>
        {(requests.value ?? []).length === 0 && <p class="hint">No one asked to see your data.</p>}
        <ul class="records">
          {(requests.value ?? []).map((r) => {
            const categories = chosen[r.id] ?? ['contexts'];
            return (
              <li>
                <strong>{r.agentName}</strong> asks about ticket “{r.ticket}” ({r.status}, {formatTime(r.createdAt)})
                <div>
                  Agent fingerprint <code>{r.agentFingerprint}</code>
                </div>
                <fieldset>
                  <legend>Share for 24 hours</legend>
                  {CATEGORIES.map((c) => (
                    <label class="check">
                      <input
                        type="checkbox"
                        checked={categories.includes(c)}
                        onChange={(e) =>
                          setChosen({
                            ...chosen,
                            [r.id]: e.currentTarget.checked ? [...categories, c] : categories.filter((x) => x !== c),
                          })
                        }
                      />
                      {c}
                    </label>
                  ))}
                </fieldset>
                <label class="check">
                  <input
                    type="checkbox"
                    checked={Boolean(checked[r.id])}
                    onChange={(e) => setChecked({ ...checked, [r.id]: e.currentTarget.checked })}
                  />
                  The agent told me this same fingerprint
                </label>
                <button
                  type="button"
                  disabled={!checked[r.id] || categories.length === 0 || Boolean(busy)}
                  onClick={() =>
                    run('Re-encrypting for the agent…', () =>
                      keys.grantSupport(r.agentId, r.id, categories, r.agentFingerprint, 24),
                    ).then(grants.reload)
                  }
                >
                  Grant {r.agentName}
                </button>
              </li>
            );
          })}
        </ul>
        <Busy label={busy} />
        <ErrorBox error={error ?? requests.error} />
      </section>
      <section class="card" aria-labelledby="grants-h">
        <h2 id="grants-h">Grants</h2>
        <ErrorBox error={grants.error} />
        <ul class="records">
          {(grants.value ?? []).map((g) => (
            <li>
              {g.categories.join(', ')} until {formatTime(g.validUntil)}{' '}
              {g.revokedAt ? <span class="badge">revoked</span> : null}
              {!g.revokedAt && (
                <button
                  type="button"
                  class="secondary small"
                  onClick={() => run('Revoking…', () => keys.revokeGrant(g.id)).then(grants.reload)}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
          {(grants.value ?? []).length === 0 && <li class="hint">No grants.</li>}
        </ul>
      </section>
    </div>
  );
}
