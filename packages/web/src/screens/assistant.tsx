import type { LoggedEvent, TaskDetail } from '@aura/client';
import { useState } from 'preact/hooks';
import { keys } from '../keys.ts';
import { useEvents } from '../live.ts';
import type { AskResult, Conversation } from '../shared/types.ts';
import { Busy, ErrorBox, formatTime, useAction, useLoad } from '../ui/common.tsx';

type Understood = Extract<AskResult, { kind: 'understood' }>;

/** Which slot a question asks for: a time ("When…", "Which other time?"), a person ("Who…", "Which John…"), else the title. */
const slotOf = (question: string): 'person' | 'when' | 'title' =>
  /^when\b|\btime\b/i.test(question) ? 'when' : /^(who|which)\b/i.test(question) ? 'person' : 'title';

const STATUS_WORDS: Record<string, string> = {
  pending: 'waiting its turn',
  waiting_approval: 'needs your approval',
  approved: 'approved',
  rejected: 'rejected',
  expired: 'approval expired',
  dispatched: 'sent to your agent',
  succeeded: 'done',
  failed: 'failed',
  skipped: 'skipped',
  running: 'running',
  completed: 'completed',
  cancelled: 'cancelled',
};

/** A submitted task: its steps as the server runs them, approve/reject signed by this browser, live. */
function TaskCard({ taskId }: { taskId: string }) {
  const { value: task, error: loadError, reload } = useLoad<TaskDetail>(taskId, (id) => keys.task(id));
  const [timeline, setTimeline] = useState<LoggedEvent[]>([]);
  const { error, busy, run } = useAction();
  useEvents((event) => {
    if (event.notice.type === 'task' && event.notice.taskId === taskId) {
      setTimeline((t) => (t.some((e) => e.id === event.id) ? t : [...t, event]));
      reload();
    }
  });
  if (!task) return <ErrorBox error={loadError} />;
  const waiting = task.steps.find((s) => s.status === 'waiting_approval');
  const decide = (decision: 'approve' | 'reject') =>
    run(decision === 'approve' ? 'Signing your approval…' : 'Signing your rejection…', async () => {
      await keys.decide(taskId, decision, waiting?.id);
      reload();
    });
  return (
    <div class="task" data-testid="task" data-status={task.status}>
      <p>
        Task <span class="status">{STATUS_WORDS[task.status] ?? task.status}</span>
        {task.reason?.why ? ` — ${task.reason.why}` : ''}
      </p>
      <ol class="steps">
        {task.steps.map((s) => (
          <li data-step-status={s.status}>
            <span class="action">{s.action}</span>{' '}
            <span class={`badge ${s.status}`}>{STATUS_WORDS[s.status] ?? s.status}</span>
            <div class="why">{s.why}</div>
            {s.result?.error && <div class="error">{s.result.error}</div>}
          </li>
        ))}
      </ol>
      {waiting && (
        <div class="actions">
          <button type="button" onClick={() => decide('approve')} disabled={Boolean(busy)}>
            Approve {waiting.action}
          </button>
          <button type="button" class="secondary" onClick={() => decide('reject')} disabled={Boolean(busy)}>
            Reject
          </button>
        </div>
      )}
      <Busy label={busy} />
      <ErrorBox error={error} />
      {timeline.length > 0 && (
        <ul class="timeline" aria-label="What happened">
          {timeline.map((e) =>
            e.notice.type === 'task' ? (
              <li>
                <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time> {e.notice.event.replace(/_/g, ' ')}
                {e.notice.decision ? ` (${e.notice.decision})` : ''}
              </li>
            ) : null,
          )}
        </ul>
      )}
    </div>
  );
}

function Answer({
  result,
  onAnswer,
  onFeedback,
}: {
  result: Understood;
  onAnswer: (slot: 'person' | 'when' | 'title', value: string) => void;
  onFeedback: (v: 'accept' | 'reject') => void;
}) {
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [thanked, setThanked] = useState(false);
  return (
    <div class="answer" data-testid="answer">
      <p class="meta">
        {result.intent.replace(/_/g, ' ')} ({Math.round(result.confidence * 100)}%)
        {result.when ? ` · ${result.when.text} → ${formatTime(result.when.start)}` : ''}
        {result.people.length ? ` · with ${result.people.join(', ')}` : ''}
      </p>
      {result.plan.length > 0 && (
        <ol class="plan" aria-label="The plan">
          {result.plan.map((s) => (
            <li>
              <span class="action">{s.action}</span>
              {s.requiresApproval ? (
                <span class="badge waiting_approval">asks you first</span>
              ) : (
                <span class="badge">no approval needed</span>
              )}
              <div class="why">{s.why}</div>
            </li>
          ))}
        </ol>
      )}
      {result.retrieved && result.retrieved.length > 0 && (
        <div class="why" data-testid="retrieved">
          Notes found by meaning for this request:
          <ul>
            {result.retrieved.map((r) => (
              <li>
                {r.text} <span class="hint">confidence {r.confidence.toFixed(2)}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {result.questions.map((q) => (
        <form
          class="question"
          onSubmit={(e) => {
            e.preventDefault();
            const value = answers[q]?.trim();
            if (value) onAnswer(slotOf(q), value);
          }}
        >
          <label>
            {q}
            <input value={answers[q] ?? ''} onInput={(e) => setAnswers({ ...answers, [q]: e.currentTarget.value })} />
          </label>
          <button type="submit">Answer</button>
        </form>
      ))}
      {result.reasoning.length > 0 && (
        <details>
          <summary>Why</summary>
          <ul>
            {result.reasoning.map((r) => (
              <li>{r}</li>
            ))}
          </ul>
        </details>
      )}
      {result.taskId && <TaskCard taskId={result.taskId} />}
      <div class="feedback">
        {thanked ? (
          <span role="status">Noted, thank you.</span>
        ) : (
          <>
            <button
              type="button"
              class="secondary small"
              onClick={() => {
                onFeedback('accept');
                setThanked(true);
              }}
            >
              Understood right
            </button>
            <button
              type="button"
              class="secondary small"
              onClick={() => {
                onFeedback('reject');
                setThanked(true);
              }}
            >
              Understood wrong
            </button>
          </>
        )}
      </div>
    </div>
  );
}

/** The chat: requests understood in this browser with the CLI's reasoning, history kept encrypted. */
export function Assistant() {
  const [text, setText] = useState('');
  const [conversationId, setConversationId] = useState<string | null>(null);
  const [turns, setTurns] = useState<Conversation['turns']>([]);
  const history = useLoad<Conversation[]>(conversationId ?? 'new', () => keys.conversations());
  const { error, busy, run } = useAction();

  const record = (result: AskResult | undefined) => {
    if (!result) return;
    if (result.conversationId) setConversationId(result.conversationId);
    setTurns((t) => [...t, { at: new Date().toISOString(), text: result.text, result }]);
  };
  const ask = async (event: Event) => {
    event.preventDefault();
    const request = text.trim();
    if (!request) return;
    const result = await run('Understanding…', async (): Promise<AskResult> => keys.ask(request, conversationId));
    if (result) setText('');
    record(result);
  };

  return (
    <div class="assistant">
      <aside class="history" aria-label="Conversations">
        <h2>Conversations</h2>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setConversationId(null);
            setTurns([]);
          }}
        >
          New conversation
        </button>
        <ul>
          {(history.value ?? []).map((c) => (
            <li>
              <button
                type="button"
                class={c.id === conversationId ? 'link active' : 'link'}
                onClick={() => {
                  setConversationId(c.id);
                  setTurns(c.turns);
                }}
              >
                {c.title}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section class="chat" aria-label="Assistant">
        <div class="turns" aria-live="polite">
          {turns.length === 0 && <p class="hint">Try “Schedule a meeting with John tomorrow at 3pm”.</p>}
          {turns.map((t) => (
            <article class="turn">
              <p class="you">{t.text}</p>
              {t.result.kind === 'sent' ? (
                <p class="answer">Sent to your agent, encrypted; it plans it as soon as it is online.</p>
              ) : (
                <Answer
                  result={t.result}
                  onAnswer={(slot, value) =>
                    t.result.kind === 'understood' &&
                    run(
                      'Understanding…',
                      async (): Promise<AskResult> =>
                        keys.answer((t.result as Understood).decisionId, slot, value, conversationId),
                    ).then(record)
                  }
                  onFeedback={(verdict) =>
                    t.result.kind === 'understood' &&
                    run('Noting…', () => keys.feedback((t.result as Understood).decisionId, verdict))
                  }
                />
              )}
            </article>
          ))}
        </div>
        <form class="ask" onSubmit={ask}>
          <label for="ask-input" class="visually-hidden">
            Ask Aura
          </label>
          <input
            id="ask-input"
            placeholder="Ask Aura…"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            autocomplete="off"
          />
          <button type="submit" disabled={Boolean(busy)}>
            Ask
          </button>
        </form>
        <Busy label={busy} />
        <ErrorBox error={error} />
      </section>
    </div>
  );
}
