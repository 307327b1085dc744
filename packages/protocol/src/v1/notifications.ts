import { z } from 'zod';
import { StepId } from './tasks.ts';

/**
 * Server-sent events (GET /api/v1/notifications): each is `event: <type>` and `data: <the JSON
 * of the notice>`. Notices carry only what the audit log's plaintext columns already show.
 */
export const TaskNotice = z.strictObject({
  type: z.literal('task'),
  event: z.enum([
    'approval_requested',
    'step_succeeded',
    'step_failed',
    'step_timeout',
    'completed',
    'cancelled',
    'failed',
  ]),
  taskId: z.uuid(),
  stepId: StepId.optional(),
  /** Why a task ended (rejected, expired, a step failed); the sealed reason says more. */
  why: z.string().optional(),
});
export type TaskNotice = z.infer<typeof TaskNotice>;

export const AuditNotice = z.strictObject({
  type: z.literal('audit'),
  index: z.int().min(0),
  eventType: z.string(),
  action: z.string(),
  result: z.enum(['success', 'failure', 'pending']),
  actorType: z.enum(['user', 'device', 'support_agent', 'system']),
});
export type AuditNotice = z.infer<typeof AuditNotice>;

export const Notification = z.discriminatedUnion('type', [TaskNotice, AuditNotice]);
export type Notification = z.infer<typeof Notification>;
