import type { AuraClient, LoggedEvent } from '@aura/client';
import { command, needId } from '../command.ts';
import { render, UsageError, UsageHelp, when } from '../output.ts';

/** One event in words: what happened, and to which task, step, device or grant. */
export function describeEvent(client: AuraClient, event: LoggedEvent): string {
  const n = event.notice;
  switch (n.type) {
    case 'task': {
      const step = n.stepId ? ` step ${n.stepId}` : '';
      let what = `${n.event.replaceAll('_', ' ')}`;
      if (n.event === 'approval_decided') what = n.decision === 'approve' ? 'approved' : 'rejected';
      let detail = '';
      // The step travels sealed with an approval request: opened here, never by the server.
      if (event.sealed && n.stepId) {
        try {
          const planned = client.tasks.openStep({ taskId: n.taskId, stepId: n.stepId, ciphertext: event.sealed });
          detail = `: ${planned.action} - ${planned.why}`;
        } catch {
          detail = ' (its sealed step did not open on this device)';
        }
      }
      return `task ${n.taskId}${step} ${what}${n.why ? ` (${n.why})` : ''}${detail}`;
    }
    case 'device':
      return n.event === 'enrollment_requested'
        ? `a new device asks to join (enrollment ${n.enrollmentId}); approve it with "aura device approve CODE"`
        : `device ${n.deviceId} ${n.event}`;
    case 'support':
      return `support ${n.event.replaceAll('_', ' ')} (${n.id})`;
    case 'audit':
      return `audit entry ${n.index}: ${n.eventType} ${n.action} ${n.result} by ${n.actorType}`;
  }
}

const line = (client: AuraClient, event: LoggedEvent) =>
  `${when(event.at)}  #${event.seq}  ${describeEvent(client, event)}`;

/** Stops following on Ctrl-C (the command then ends normally). */
function untilInterrupted(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return controller.signal;
}

const write = (json: boolean, client: AuraClient, event: LoggedEvent) =>
  process.stdout.write(json ? `${JSON.stringify(event)}\n` : `${line(client, event)}\n`);

/** aura notifications list [--after SEQ] [--limit N] | follow [--after SEQ] | email on|off */
export const notifications = command(
  { after: { type: 'string' }, limit: { type: 'string' } },
  async (client, [, verb, arg], { json, after, limit }) => {
    const seq = (raw: string | undefined, what: string, fallback: number) => {
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || value < 0) throw new UsageError(`${what} must be an integer >= 0`);
      return value;
    };
    switch (verb) {
      case 'list': {
        const log = await client.notifications.log({
          after: seq(after, '--after', 0),
          limit: Math.min(seq(limit, '--limit', 50), 1000) || 50,
        });
        return render(log, {
          json,
          text: log.events.length ? log.events.map((e) => `${line(client, e)}\n`).join('') : '(none)\n',
        });
      }
      case 'follow': {
        const signal = untilInterrupted();
        await client.notifications.follow((event) => write(json, client, event), {
          ...(after === undefined ? {} : { after: seq(after, '--after', 0) }),
          signal,
          // On stderr, so that --json's stdout stays one event per line.
          onConnected: (latest) =>
            process.stderr.write(`following your notifications (latest #${latest}); Ctrl-C stops\n`),
          onReconnecting: (why, ms) => process.stderr.write(`connection lost (${why}); reconnecting in ${ms} ms\n`),
        });
        return;
      }
      case 'email': {
        if (arg !== 'on' && arg !== 'off') break;
        const enabled = await client.notifications.setEmail(arg === 'on');
        return render(
          { email: enabled },
          {
            json,
            sentence: enabled
              ? 'Email notices on: approvals and new devices send a link (never their content) to your address.'
              : 'Email notices off.',
          },
        );
      }
    }
    throw new UsageHelp('notifications');
  },
);

export const ENDED = new Set(['completed', 'cancelled', 'failed']);

type TaskNotice = Extract<LoggedEvent['notice'], { type: 'task' }>;

/**
 * A task as it is now, and a way to follow its notices from that moment. The cursor is read
 * before the status: a change between the two is replayed, not missed.
 */
export async function taskFrom(client: AuraClient, taskId: string) {
  const { latest } = await client.notifications.log({ after: Number.MAX_SAFE_INTEGER, limit: 1 });
  const task = await client.tasks.show(taskId);
  /** Each of this task's notices, in order, until `signal` aborts. */
  const follow = (onNotice: (notice: TaskNotice, event: LoggedEvent) => void, signal: AbortSignal) =>
    client.notifications.follow(
      (event) => {
        const n = event.notice;
        if (n.type === 'task' && n.taskId === task.id) onNotice(n, event);
      },
      { after: latest, signal },
    );
  return { task, follow };
}

/** aura tasks watch TASK: the task's status now, then each change as it happens, until it ends. */
export async function watchTask(client: AuraClient, taskId: string, json: boolean): Promise<void> {
  const { task, follow } = await taskFrom(client, needId(taskId, 'Task', 'aura tasks list'));
  const status = { taskId: task.id, status: task.status };
  process.stdout.write(json ? `${JSON.stringify(status)}\n` : `task ${task.id}: ${task.status}\n`);
  if (ENDED.has(task.status)) return;
  const controller = new AbortController();
  const interrupted = untilInterrupted();
  interrupted.addEventListener('abort', () => controller.abort());
  await follow((n, event) => {
    write(json, client, event);
    if (ENDED.has(n.event)) controller.abort();
  }, controller.signal);
}
