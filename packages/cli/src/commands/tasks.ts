import type { AuraClient } from '@aura/client';
import { isAuraError } from '@aura/errors';
import { command, needId } from '../command.ts';
import { progress, render, UsageHelp, when } from '../output.ts';
import { ENDED, taskFrom, watchTask } from './notifications.ts';

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
            status: t.waitingApproval ? `waiting for you (${t.waitingApproval})` : t.status,
            updated: when(t.updatedAt),
            request: t.request.text.length > 50 ? `${t.request.text.slice(0, 47)}...` : t.request.text,
          })),
          columns: ['id', 'status', 'updated', 'request'],
        },
      );
    }
    case 'watch':
      return watchTask(client, needId(id, 'Task', 'aura tasks list'), json);
    case 'show': {
      const task = await client.tasks.show(needId(id, 'Task', 'aura tasks list'));
      let text = `Task ${task.id}: ${task.status}, updated ${when(task.updatedAt)}\n  "${task.request.text}"\n`;
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
  throw new UsageHelp('tasks');
});

/** How long `aura approve` waits for the agent to reach the step that needs the decision. */
const REACH_STEP_MS = Number(process.env.AURA_APPROVE_WAIT_MS ?? 120_000);

/**
 * aura approve|reject TASK [STEP]: this device signs the user's decision on the steps waiting for
 * it. A task still on its way to such a step (the agent is running the ones before it) is waited
 * for, so "ask, then approve" works however fast the agent is.
 */
export const decide = command({}, async (client, [noun, taskArg, stepId], { json }) => {
  const decision = noun === 'reject' ? 'reject' : 'approve';
  const taskId = needId(taskArg, 'Task', 'aura tasks list');
  const options = stepId ? { stepId } : {};
  let decided: string[];
  try {
    decided = await client.tasks.decide(taskId, decision, options);
  } catch (error) {
    if (!isAuraError(error) || error.code !== 'AURA_TASK_NOT_WAITING') throw error;
    if (!(await reachesApproval(client, taskId, json))) throw error;
    decided = await client.tasks.decide(taskId, decision, options);
  }
  const task = await client.tasks.show(taskId);
  const what = task.steps
    .filter((s) => decided.includes(s.id))
    .map((s) => `${s.action} - ${s.why}`)
    .join('; ');
  return render(
    { taskId, decision, steps: decided },
    {
      json,
      sentence: `${decision === 'approve' ? 'Approved' : 'Rejected'} step${decided.length > 1 ? 's' : ''} ${decided.join(', ')} of task ${taskId} (${what}), signed by this device.`,
    },
  );
});

/** Waits, on the notification stream, until a step of the task asks for a decision; false if it ends first. */
async function reachesApproval(client: AuraClient, taskId: string, json: boolean): Promise<boolean> {
  const { task, follow } = await taskFrom(client, taskId);
  if (task.steps.some((s) => s.status === 'waiting_approval')) return true;
  if (ENDED.has(task.status) || !task.steps.some((s) => s.requiresApproval && s.status === 'pending')) return false;
  if (!json)
    progress(`No step of task ${taskId} waits for you yet; waiting for your agent to reach it (Ctrl-C stops)…`);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), REACH_STEP_MS);
  process.once('SIGINT', () => stop.abort());
  let reached = false;
  try {
    await follow((n) => {
      if (n.event === 'approval_requested') reached = true;
      if (reached || ENDED.has(n.event)) stop.abort();
    }, stop.signal);
  } finally {
    clearTimeout(timer);
  }
  return reached;
}
