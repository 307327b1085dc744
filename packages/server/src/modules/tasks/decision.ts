import { verifySignature } from '@aura/crypto/public';
import { AuraError } from '@aura/errors';
import { approvalStatement, type StepDecision } from '@aura/protocol';
import type pg from 'pg';
import type { AuditLog } from '../../audit/log.ts';
import { fromBase64 } from '../../base64.ts';
import type { TaskRepository } from './repository.ts';
import type { StepRow, TaskRow } from './views.ts';

/** An approval may be valid for at most a week. */
const MAX_APPROVAL_MS = 7 * 24 * 3_600_000;

/**
 * Checks and stores a device's signed decision on a waiting step, in the caller's transaction.
 * The server checks what it can without a key (the signature, the device, the step hash, the
 * expiry); the agent checks it all again before it acts.
 */
export async function decide(
  db: pg.PoolClient,
  repo: TaskRepository,
  audit: AuditLog,
  d: { userId: string; taskId: string; stepId: string; body: StepDecision },
): Promise<{ task: TaskRow; step: StepRow }> {
  const { userId, taskId, stepId, body } = d;
  const task = await repo.task(userId, taskId, db);
  const step = await repo.step(userId, taskId, stepId, db, true);
  if (!step.requires_approval || step.approval_decision || step.status !== 'waiting_approval') {
    throw new AuraError(
      'AURA_TASK_NOT_WAITING',
      step.approval_decision
        ? `step ${stepId} was already ${step.approval_decision === 'approve' ? 'approved' : 'rejected'}`
        : `step ${stepId} is ${step.status}, not waiting for a decision`,
    );
  }
  const expires = Date.parse(body.expiresAt);
  if (!(expires > Date.now()) || expires > Date.now() + MAX_APPROVAL_MS)
    throw new AuraError('AURA_APPROVAL_INVALID', 'the approval has expired or is valid for more than a week');
  const device = await repo.approver(db, userId, body.deviceId);
  if (!device || device.revoked_at)
    throw new AuraError('AURA_APPROVAL_INVALID', 'the approving device is not an enrolled device of this account');
  const statement = approvalStatement({
    taskId,
    stepId,
    stepHash: step.ciphertext_hash.toString('hex'),
    decision: body.decision,
    expiresAt: body.expiresAt,
  });
  if (!verifySignature(new Uint8Array(device.signing_public_key), 'approval', statement, fromBase64(body.signature)))
    throw new AuraError('AURA_APPROVAL_INVALID', 'the signature does not match this step, decision and device');
  await audit.append(
    userId,
    {
      eventType: 'task',
      actorId: body.deviceId,
      actorType: 'device',
      targetId: `${taskId}/${stepId}`,
      action: body.decision === 'approve' ? 'approve' : 'reject',
      result: 'success',
    },
    db,
  );
  await repo.recordDecision(db, {
    userId,
    taskId,
    stepId,
    deviceId: body.deviceId,
    decision: body.decision,
    expiresAt: new Date(expires),
    signature: fromBase64(body.signature),
  });
  return { task, step: await repo.step(userId, taskId, stepId, db) };
}
