import { verifySignature } from '@aura/crypto/public';
import { AuraError } from '@aura/errors';
import {
  AgentPending,
  AgentRequest,
  approvalStatement,
  CreateTask,
  DeviceCertificate,
  OkResponse,
  RecordId,
  StepDecision,
  StepId,
  StepResult,
  StepView,
  TaskList,
  TaskView,
} from '@aura/protocol';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import type { AuditLog } from '../audit/log.ts';
import { authOf } from '../auth/authenticate.ts';
import { withTransaction } from '../db/transaction.ts';
import type { AgentHub } from './agent-hub.ts';
import type { Orchestrator } from './orchestrator.ts';
import { approvalView, stepView, TaskRepository, taskView } from './repository.ts';

const TaskParams = z.strictObject({ id: z.uuid() });
const StepParams = z.strictObject({ id: z.uuid(), stepId: StepId });
/** An approval may be valid for at most a week. */
const MAX_APPROVAL_MS = 7 * 24 * 3_600_000;

/**
 * Tasks, approvals, results and the agent's connection. The server checks what it can without a
 * key (the signature, the device, the step hash, the expiry); the agent checks it all again.
 */
export function taskRoutes(pool: pg.Pool, audit: AuditLog, hub: AgentHub, orchestrator: Orchestrator | undefined) {
  const repo = new TaskRepository(pool);
  const running = () => {
    if (!orchestrator)
      throw new AuraError('AURA_ORCHESTRATION_DISABLED', 'this server was started without its workflow engine');
    return orchestrator;
  };

  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const tags = ['tasks'];

    app.post(
      '/api/v1/tasks',
      { preHandler: app.requireAuth, schema: { tags, body: CreateTask, response: { 201: TaskView } } },
      async (request, reply) => {
        const engine = running();
        const auth = authOf(request);
        // Log before act: the task's audit entry commits with its rows, before the workflow runs.
        await withTransaction(pool, async (db) => {
          if (await repo.create(db, auth.userId, request.body))
            await audit.append(
              auth.userId,
              {
                eventType: 'task',
                actorId: auth.deviceId ?? auth.userId,
                actorType: auth.deviceId ? 'device' : 'user',
                targetId: request.body.id,
                action: 'submit',
                result: 'success',
                sensitive: { steps: request.body.steps.length },
              },
              db,
            );
        });
        await engine.run(auth.userId, request.body.id);
        const task = await repo.task(auth.userId, request.body.id);
        return reply.code(201).send(taskView(task, await repo.steps(task.id)));
      },
    );

    app.get(
      '/api/v1/tasks',
      {
        preHandler: app.requireAuth,
        schema: {
          tags,
          querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: { 200: TaskList },
        },
      },
      async (request) => ({ tasks: await repo.list(authOf(request).userId, request.query.limit) }),
    );

    app.get(
      '/api/v1/tasks/:id',
      { preHandler: app.requireAuth, schema: { tags, params: TaskParams, response: { 200: TaskView } } },
      async (request) => {
        const task = await repo.task(authOf(request).userId, request.params.id);
        return taskView(task, await repo.steps(task.id));
      },
    );

    app.post(
      '/api/v1/tasks/:id/steps/:stepId/decision',
      {
        preHandler: app.requireAuth,
        schema: { tags, params: StepParams, body: StepDecision, response: { 200: StepView } },
      },
      async (request, reply) => {
        const engine = running();
        const receivedAt = performance.now() - reply.elapsedTime;
        const auth = authOf(request);
        const { id: taskId, stepId } = request.params;
        const body = request.body;
        const step = await withTransaction(pool, async (db) => {
          await repo.task(auth.userId, taskId, db);
          const step = await repo.step(taskId, stepId, db, true);
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
          const device = (
            await db.query<{ signing_public_key: Buffer; revoked_at: Date | null }>(
              'SELECT signing_public_key, revoked_at FROM devices WHERE id = $1 AND user_id = $2',
              [body.deviceId, auth.userId],
            )
          ).rows[0];
          if (!device || device.revoked_at)
            throw new AuraError(
              'AURA_APPROVAL_INVALID',
              'the approving device is not an enrolled device of this account',
            );
          const statement = approvalStatement({
            taskId,
            stepId,
            stepHash: step.ciphertext_hash.toString('hex'),
            decision: body.decision,
            expiresAt: body.expiresAt,
          });
          if (
            !verifySignature(
              new Uint8Array(device.signing_public_key),
              'approval',
              statement,
              new Uint8Array(Buffer.from(body.signature, 'base64')),
            )
          )
            throw new AuraError('AURA_APPROVAL_INVALID', 'the signature does not match this step, decision and device');
          await audit.append(
            auth.userId,
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
          await db.query(
            `UPDATE task_steps SET approval_device_id = $3, approval_decision = $4, approval_expires_at = $5,
                    approval_signature = $6, approval_decided_at = now(), status = $7
              WHERE task_id = $1 AND step_id = $2`,
            [
              taskId,
              stepId,
              body.deviceId,
              body.decision,
              new Date(expires),
              Buffer.from(body.signature, 'base64'),
              body.decision === 'approve' ? 'approved' : 'rejected',
            ],
          );
          return repo.step(taskId, stepId, db);
        });
        await engine.deliverDecision(taskId, stepId, body.decision, receivedAt);
        return stepView(step);
      },
    );

    app.post(
      '/api/v1/tasks/:id/steps/:stepId/result',
      {
        preHandler: app.requireAuth,
        schema: { tags, params: StepParams, body: StepResult, response: { 200: OkResponse } },
      },
      async (request, reply) => {
        const engine = running();
        const receivedAt = performance.now() - reply.elapsedTime;
        const auth = authOf(request);
        const { id: taskId, stepId } = request.params;
        const { attempt, ok, retryable, result } = request.body;
        // Stored only for the attempt now running; a late answer to an attempt that timed out,
        // or to a finished task, changes nothing.
        const stored = await pool.query(
          `UPDATE task_steps s SET result_ciphertext = $4
             FROM tasks t
            WHERE t.id = s.task_id AND s.task_id = $1 AND s.step_id = $2 AND t.user_id = $3
              AND t.status = 'running' AND s.status = 'dispatched' AND s.attempts = $5`,
          [taskId, stepId, auth.userId, Buffer.from(result, 'base64'), attempt],
        );
        if (stored.rowCount) await engine.deliverResult(taskId, stepId, attempt, ok, retryable, receivedAt);
        else await repo.task(auth.userId, taskId).then(() => repo.step(taskId, stepId));
        return { ok: true as const };
      },
    );

    app.post(
      '/api/v1/agent/requests',
      { preHandler: app.requireAuth, schema: { tags, body: AgentRequest, response: { 201: RecordId } } },
      async (request, reply) => {
        const { userId } = authOf(request);
        const agent = hub.pick(userId);
        const inserted = await pool.query(
          `INSERT INTO agent_requests (id, user_id, ciphertext, claimed_by) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
          [request.body.id, userId, Buffer.from(request.body.ciphertext, 'base64'), agent],
        );
        if (inserted.rowCount === 0) {
          const owner = await pool.query('SELECT user_id FROM agent_requests WHERE id = $1', [request.body.id]);
          if (owner.rows[0]?.user_id !== userId) throw new AuraError('AURA_CONFLICT', 'that request id is taken');
        }
        // Planned by one agent only: two would submit the same request twice.
        if (agent && inserted.rowCount)
          hub.sendTo(userId, agent, {
            type: 'request',
            request: { id: request.body.id, ciphertext: request.body.ciphertext },
          });
        return reply.code(201).send({ id: request.body.id });
      },
    );

    app.post(
      '/api/v1/agent/requests/:id/done',
      { preHandler: app.requireAuth, schema: { tags, params: TaskParams, response: { 200: OkResponse } } },
      async (request) => {
        const done = await pool.query(`UPDATE agent_requests SET status = 'done' WHERE id = $1 AND user_id = $2`, [
          request.params.id,
          authOf(request).userId,
        ]);
        if (done.rowCount === 0) throw new AuraError('AURA_NOT_FOUND', 'no such request in this account');
        return { ok: true as const };
      },
    );

    app.get(
      '/api/v1/agent/pending',
      { preHandler: app.requireAuth, schema: { tags, response: { 200: AgentPending } } },
      async (request) => {
        const { userId, deviceId } = authOf(request);
        const requests = await pool.query<{ id: string; ciphertext: Buffer; created_at: Date }>(
          `UPDATE agent_requests SET claimed_by = $2
            WHERE user_id = $1 AND status = 'queued' AND $2::uuid IS NOT NULL AND (claimed_by IS NULL OR claimed_by = $2)
            RETURNING id, ciphertext, created_at`,
          [userId, deviceId],
        );
        requests.rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
        return {
          dispatches: (await repo.dispatched(userId, authOf(request).deviceId)).map((s) => ({
            taskId: s.task_id,
            stepId: s.step_id,
            attempt: s.attempts,
            requiresApproval: s.requires_approval,
            ciphertext: s.ciphertext.toString('base64'),
            approval: approvalView(s),
          })),
          requests: requests.rows.map((r) => ({
            id: r.id,
            ciphertext: r.ciphertext.toString('base64'),
            createdAt: r.created_at.toISOString(),
          })),
        };
      },
    );

    app.get('/api/v1/agent/connect', { websocket: true, preHandler: app.requireAuth }, (socket, request) => {
      const { userId, deviceId } = authOf(request);
      const remove = hub.add(userId, deviceId, socket);
      socket.on('close', remove);
      socket.on('message', () => {
        // The agent talks back over HTTP (results, done requests); a message here is ignored.
      });
      socket.send(JSON.stringify({ type: 'hello', pending: true }));
    });

    app.put(
      '/api/v1/devices/:id/certificate',
      {
        preHandler: app.requireAuth,
        schema: { tags: ['devices'], params: TaskParams, body: DeviceCertificate, response: { 200: OkResponse } },
      },
      async (request) => {
        const auth = authOf(request);
        const updated = await pool.query(
          'UPDATE devices SET certificate = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL',
          [request.params.id, auth.userId, Buffer.from(request.body.certificate, 'base64')],
        );
        if (updated.rowCount === 0) throw new AuraError('AURA_NOT_FOUND', 'no such active device in this account');
        return { ok: true as const };
      },
    );
  };
}
