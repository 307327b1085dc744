import * as z from 'zod';
import { canonicalJson } from './audit.ts';
import { Base64Text, base64Bytes } from './bytes.ts';
import { queryInteger, UtcTimestamp } from './text.ts';

/**
 * Tasks: a plan the client made and encrypted, run by the server's durable workflow. The server
 * sees step ids, their order, which ones need approval and their status; what each step does
 * (action, parameters, results) is ciphertext it cannot open.
 */
export const StepId = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" and "_" only');
export type StepId = z.infer<typeof StepId>;

export const TaskStatus = z.enum(['waiting_approval', 'running', 'completed', 'cancelled', 'failed']);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const StepStatus = z.enum([
  'pending',
  'waiting_approval',
  'approved',
  'rejected',
  'expired',
  'dispatched',
  'succeeded',
  'failed',
  'skipped',
]);
export type StepStatus = z.infer<typeof StepStatus>;

/** An encrypted step (envelope bound to the slot `tasks` / `TASK_ID/STEP_ID`). */
const Ciphertext = base64Bytes({ min: 41, max: 64 * 1024 });

export const CreateTask = z.strictObject({
  id: z.uuid(),
  /** The request and the decision's reasoning, encrypted (slot `tasks` / `TASK_ID`). */
  request: Ciphertext,
  steps: z
    .array(z.strictObject({ id: StepId, requiresApproval: z.boolean(), ciphertext: Ciphertext }))
    .min(1)
    .max(20)
    .refine((steps) => new Set(steps.map((s) => s.id)).size === steps.length, 'step ids must be unique'),
});
export type CreateTask = z.infer<typeof CreateTask>;

export const Decision = z.enum(['approve', 'reject']);
export type Decision = z.infer<typeof Decision>;

export const ApprovalView = z.strictObject({
  deviceId: z.uuid(),
  decision: Decision,
  expiresAt: z.iso.datetime(),
  signature: Base64Text,
  decidedAt: z.iso.datetime(),
});
export type ApprovalView = z.infer<typeof ApprovalView>;

export const StepView = z.strictObject({
  id: StepId,
  position: z.number().int(),
  requiresApproval: z.boolean(),
  status: StepStatus,
  attempts: z.number().int(),
  ciphertext: Base64Text,
  /** SHA-256 of the step's ciphertext, hex: what an approval signs. */
  hash: z.string(),
  result: Base64Text.nullable(),
  approval: ApprovalView.nullable(),
});
export type StepView = z.infer<typeof StepView>;

export const TaskView = z.strictObject({
  id: z.uuid(),
  status: TaskStatus,
  request: Base64Text,
  /** Why a task was cancelled or failed, sealed to the account's audit key. */
  reason: Base64Text.nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  steps: z.array(StepView),
});
export type TaskView = z.infer<typeof TaskView>;

/** A task in a list: its sealed request rides along, so a device can say which task is which. */
export const TaskSummary = TaskView.omit({ steps: true }).extend({
  steps: z.number().int(),
  waitingApproval: z.number().int(),
});
export type TaskSummary = z.infer<typeof TaskSummary>;
export const TaskList = z.strictObject({ tasks: z.array(TaskSummary) });
export type TaskList = z.infer<typeof TaskList>;

export const TaskListQuery = z.strictObject({ limit: queryInteger({ min: 1, max: 200 }).default(50) });
export type TaskListQuery = z.infer<typeof TaskListQuery>;

/** The path parameters of /api/v1/tasks/:id (and of the other routes named by one id). */
export const TaskParams = z.strictObject({ id: z.uuid() });
export type TaskParams = z.infer<typeof TaskParams>;

export const StepParams = z.strictObject({ id: z.uuid(), stepId: StepId });
export type StepParams = z.infer<typeof StepParams>;

/** A device's signed decision on one step. */
export const StepDecision = z.strictObject({
  decision: Decision,
  deviceId: z.uuid(),
  expiresAt: UtcTimestamp,
  signature: base64Bytes({ exact: 64 }),
});
export type StepDecision = z.infer<typeof StepDecision>;

/** What the agent reports after running (or failing to run) one attempt of a step. */
export const StepResult = z.strictObject({
  attempt: z.number().int().min(1).max(100),
  ok: z.boolean(),
  /** A failure worth another attempt (a server down) or not (the time is taken): no retry then. */
  retryable: z.boolean().default(true),
  /** The result, or the error, encrypted (slot `tasks` / `TASK_ID/STEP_ID/result`). */
  result: Ciphertext,
});
export type StepResult = z.infer<typeof StepResult>;

/** A request posted for the agent to understand and plan (slot `agent-requests` / ID). */
export const AgentRequest = z.strictObject({ id: z.uuid(), ciphertext: Ciphertext });
export type AgentRequest = z.infer<typeof AgentRequest>;

/** One attempt of a step, sent to the agent. */
export const Dispatch = z.strictObject({
  taskId: z.uuid(),
  stepId: StepId,
  attempt: z.number().int(),
  requiresApproval: z.boolean(),
  ciphertext: Base64Text,
  approval: ApprovalView.nullable(),
});
export type Dispatch = z.infer<typeof Dispatch>;

/**
 * The answer of POST /api/v1/agent/claim (no body): the work now held by the calling agent device,
 * including what it claimed before and has not finished, oldest first. Another device never gets
 * the same item.
 */
export const AgentPending = z.strictObject({
  dispatches: z.array(Dispatch),
  requests: z.array(z.strictObject({ id: z.uuid(), ciphertext: Base64Text, createdAt: z.iso.datetime() })),
});
export type AgentPending = z.infer<typeof AgentPending>;

/** A device certificate: HMAC-SHA256 by the account's device-certificate key over `deviceStatement`. */
export const DeviceCertificate = z.strictObject({ certificate: base64Bytes({ exact: 32 }) });
export type DeviceCertificate = z.infer<typeof DeviceCertificate>;

/** The bytes an approval signs (Ed25519, context "approval"). */
export function approvalStatement(input: {
  taskId: string;
  stepId: string;
  stepHash: string;
  decision: 'approve' | 'reject';
  expiresAt: string;
}): Uint8Array {
  return new TextEncoder().encode(
    canonicalJson({
      v: 1,
      taskId: input.taskId,
      stepId: input.stepId,
      stepHash: input.stepHash,
      decision: input.decision,
      expiresAt: new Date(input.expiresAt).toISOString(),
    }),
  );
}

/** The bytes a device certificate covers. */
export function deviceStatement(input: {
  userId: string;
  deviceId: string;
  signingPublicKey: string;
  sealingPublicKey: string;
}): Uint8Array {
  return new TextEncoder().encode(canonicalJson({ v: 1, ...input }));
}
