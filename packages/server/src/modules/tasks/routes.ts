import { AuraError } from '@aura/errors';
import {
  CreateTask,
  OkResponse,
  StepDecision,
  StepParams,
  StepResult,
  StepView,
  TaskList,
  TaskListQuery,
  TaskParams,
  TaskView,
} from '@aura/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { fromBase64 } from '../../base64.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { Orchestrator } from '../../workflow/orchestrator.ts';
import { actorOf, authOf } from '../auth/authenticate.ts';
import { decide } from './decision.ts';
import { TaskRepository } from './repository.ts';
import { stepView, taskKey, taskView } from './views.ts';

const tags = ['tasks'];

/** Tasks, their approvals and their results; the workflow behind them is src/workflow/. */
export async function taskRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const repo = new TaskRepository(app.pool);
  const running = (): Orchestrator => {
    if (!app.workflow)
      throw new AuraError('AURA_ORCHESTRATION_DISABLED', 'this server was started without its workflow engine');
    return app.workflow;
  };
  // When the request arrived, on the clock of the dispatch-latency metric.
  const arrival = (reply: { elapsedTime: number }) => performance.now() - reply.elapsedTime;

  app.post(
    '/api/v1/tasks',
    { preValidation: app.requireAuth, schema: { tags, body: CreateTask, response: { 201: TaskView } } },
    async (request, reply) => {
      const engine = running();
      const auth = authOf(request);
      // Log before act: the task's audit entry commits with its rows, before the workflow runs.
      let created = false;
      const task = await withTransaction(app.pool, async (db) => {
        created = Boolean(await repo.create(db, auth.userId, request.body));
        if (created)
          await app.audit.append(
            auth.userId,
            {
              eventType: 'task',
              ...actorOf(auth),
              targetId: request.body.id,
              action: 'submit',
              result: 'success',
              sensitive: { steps: request.body.steps.length },
            },
            db,
          );
        // Read back, not assumed new: a retried submit of a task from before migration 008 must
        // find the workflow it already has.
        return repo.task(auth.userId, request.body.id, db);
      });
      await engine.run(taskKey(task));
      if (created) void app.notifier.publish(auth.userId, { type: 'task', event: 'created', taskId: request.body.id });
      return reply.code(201).send(await detail(repo, request, request.body.id));
    },
  );

  app.get(
    '/api/v1/tasks',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        querystring: TaskListQuery,
        response: { 200: TaskList },
      },
    },
    async (request) => ({ tasks: await repo.list(authOf(request).userId, request.query.limit) }),
  );

  app.get(
    '/api/v1/tasks/:id',
    { preValidation: app.requireAuth, schema: { tags, params: TaskParams, response: { 200: TaskView } } },
    async (request) => detail(repo, request, request.params.id),
  );

  app.post(
    '/api/v1/tasks/:id/steps/:stepId/decision',
    {
      preValidation: app.requireAuth,
      schema: { tags, params: StepParams, body: StepDecision, response: { 200: StepView } },
    },
    async (request, reply) => {
      const engine = running();
      const receivedAt = arrival(reply);
      const { id: taskId, stepId } = request.params;
      const { task, step } = await withTransaction(app.pool, (db) =>
        decide(db, repo, app.audit, { userId: authOf(request).userId, taskId, stepId, body: request.body }),
      );
      await engine.deliverDecision(taskKey(task), stepId, request.body.decision, receivedAt);
      // Every other device of the user clears its prompt for this step.
      void app.notifier.publish(authOf(request).userId, {
        type: 'task',
        event: 'approval_decided',
        taskId,
        stepId,
        decision: request.body.decision,
      });
      return stepView(step);
    },
  );

  app.post(
    '/api/v1/tasks/:id/steps/:stepId/result',
    {
      preValidation: app.requireAuth,
      schema: { tags, params: StepParams, body: StepResult, response: { 200: OkResponse } },
    },
    async (request, reply) => {
      const engine = running();
      const receivedAt = arrival(reply);
      const { userId } = authOf(request);
      const { id: taskId, stepId } = request.params;
      const { attempt, ok, retryable, result } = request.body;
      const task = await repo.storeResult(userId, { taskId, stepId, attempt, result: fromBase64(result) });
      if (task) await engine.deliverResult(taskKey(task), stepId, attempt, ok, retryable, receivedAt);
      // Not stored: a late or stale answer is accepted quietly, but an unknown task or step is not.
      else await repo.task(userId, taskId).then(() => repo.step(userId, taskId, stepId));
      return { ok: true as const };
    },
  );
}

async function detail(repo: TaskRepository, request: FastifyRequest, taskId: string) {
  const task = await repo.task(authOf(request).userId, taskId);
  return taskView(task, await repo.steps(task.user_id, task.id));
}
