import type { ApprovalView, Dispatch, StepStatus, StepView, TaskStatus, TaskSummary, TaskView } from '@aura/protocol';
import { toBase64 } from '../../base64.ts';
import type { TaskKey } from '../../workflow/task-workflow.ts';

/** Rows of tasks and task_steps, and how each leaves on the wire. */
export interface StepRow {
  user_id: string;
  task_id: string;
  step_id: string;
  position: number;
  requires_approval: boolean;
  ciphertext: Buffer;
  ciphertext_hash: Buffer;
  status: string;
  attempts: number;
  dispatched_to: string | null;
  result_ciphertext: Buffer | null;
  approval_device_id: string | null;
  approval_decision: 'approve' | 'reject' | null;
  approval_expires_at: Date | null;
  approval_signature: Buffer | null;
  approval_decided_at: Date | null;
}

export interface TaskRow {
  id: string;
  user_id: string;
  status: string;
  request_ciphertext: Buffer;
  reason_sealed: Buffer | null;
  created_at: Date;
  updated_at: Date;
  /** Set only for a task submitted before migration 008: the workflow it runs under. */
  workflow_id: string | null;
}

/** How the workflow engine finds the task's workflow. */
export const taskKey = (t: TaskRow): TaskKey => ({ userId: t.user_id, taskId: t.id, legacyWorkflowId: t.workflow_id });

const optional = (b: Buffer | null) => (b ? toBase64(b) : null);

export function approvalView(s: StepRow): ApprovalView | null {
  if (!s.approval_decision || !s.approval_device_id || !s.approval_expires_at || !s.approval_signature) return null;
  return {
    deviceId: s.approval_device_id,
    decision: s.approval_decision,
    expiresAt: s.approval_expires_at.toISOString(),
    signature: toBase64(s.approval_signature),
    decidedAt: (s.approval_decided_at ?? s.approval_expires_at).toISOString(),
  };
}

export function stepView(s: StepRow): StepView {
  return {
    id: s.step_id,
    position: s.position,
    requiresApproval: s.requires_approval,
    status: s.status as StepStatus,
    attempts: s.attempts,
    ciphertext: toBase64(s.ciphertext),
    hash: s.ciphertext_hash.toString('hex'),
    result: optional(s.result_ciphertext),
    approval: approvalView(s),
  };
}

export function taskView(t: TaskRow, steps: StepRow[]): TaskView {
  return {
    id: t.id,
    status: t.status as TaskStatus,
    request: toBase64(t.request_ciphertext),
    reason: optional(t.reason_sealed),
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
    steps: steps.map(stepView),
  };
}

export function summaryView(t: TaskRow & { step_count: number; waiting: number }): TaskSummary {
  return {
    id: t.id,
    status: t.status as TaskStatus,
    request: toBase64(t.request_ciphertext),
    reason: optional(t.reason_sealed),
    createdAt: t.created_at.toISOString(),
    updatedAt: t.updated_at.toISOString(),
    steps: t.step_count,
    waitingApproval: t.waiting,
  };
}

/** One attempt as the agent gets it, pushed over its socket or fetched with the pending work. */
export function dispatchView(s: StepRow): Dispatch {
  return {
    taskId: s.task_id,
    stepId: s.step_id,
    attempt: s.attempts,
    requiresApproval: s.requires_approval,
    ciphertext: toBase64(s.ciphertext),
    approval: approvalView(s),
  };
}
