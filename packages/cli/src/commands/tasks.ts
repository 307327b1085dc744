import { command, needId } from '../command.ts';
import { render, UsageError } from '../output.ts';
import { watchTask } from './notifications.ts';

const STEP_MARK: Record<string, string> = {
  succeeded: 'done',
  waiting_approval: 'waiting for your approval',
  dispatched: 'running',
};

/** aura tasks list | show TASK | watch TASK: what the user's tasks are doing. */
export const tasks = command({}, async (client, [, verb, id], { json }) => {
  switch (verb) {
    case 'list': {
      const list = await client.tasks.list();
      return render(
        { tasks: list },
        {
          json,
          table: list.map((t) => ({
            id: t.id,
            status: t.status,
            steps: String(t.steps),
            waiting: t.waitingApproval ? String(t.waitingApproval) : '',
            updated: t.updatedAt,
          })),
          columns: ['id', 'status', 'steps', 'waiting', 'updated'],
        },
      );
    }
    case 'watch':
      return watchTask(client, needId(id, 'Task', 'aura tasks list'), json);
    case 'show': {
      const task = await client.tasks.show(needId(id, 'Task', 'aura tasks list'));
      let text = `Task ${task.id}: ${task.status}\n  "${task.request.text}"\n`;
      if (task.reason)
        text += `  why: ${task.reason.why}${task.reason.stepId ? ` (step ${task.reason.stepId})` : ''}\n`;
      for (const s of task.steps) {
        const result = s.result?.ok ? '' : s.result?.error ? ` - ${s.result.error}` : '';
        text +=
          `  ${s.id}. ${s.action}${s.requiresApproval ? ' [approval]' : ''}: ${STEP_MARK[s.status] ?? s.status}` +
          `${s.attempts > 1 ? ` after ${s.attempts} attempts` : ''}${result} - ${s.why}\n`;
      }
      return render(
        { ...task, taskId: task.id, steps: task.steps.map((s) => ({ ...s, stepId: s.id })) },
        { json, text },
      );
    }
  }
  throw new UsageError('usage: aura tasks list | show TASK | watch TASK');
});

/** aura approve|reject TASK [STEP]: this device signs the user's decision on the steps waiting for it. */
export const decide = command({}, async (client, [noun, taskId, stepId], { json }) => {
  const decision = noun === 'reject' ? 'reject' : 'approve';
  const decided = await client.tasks.decide(
    needId(taskId, 'Task', 'aura tasks list'),
    decision,
    stepId ? { stepId } : {},
  );
  return render(
    { taskId, decision, steps: decided },
    {
      json,
      sentence: `${decision === 'approve' ? 'Approved' : 'Rejected'} step${decided.length > 1 ? 's' : ''} ${decided.join(', ')} of task ${taskId} (signed by this device).`,
    },
  );
});
