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
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Submit a task for the workflow to run',
        description:
          "Submits a plan the client (or the user's agent) made and encrypted: the request and each step are ciphertext; the server sees only step ids, their order and which need approval. The durable workflow then asks for approvals and dispatches steps to the agent. Idempotent by task id: submitting the same id again answers the task as it is and starts nothing twice. AURA_ORCHESTRATION_DISABLED when the server runs without its workflow engine.",
        body: CreateTask,
        response: { 201: TaskView },
      },
    },
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
        summary: "List the account's tasks",
        description:
          "The account's newest tasks first, at most `limit` (up to 200; there is no cursor), each with its status, its number of steps and how many wait for approval. The steps themselves are left out (read a task for them), and what the task does stays ciphertext the server cannot read.",
        querystring: TaskListQuery,
        response: { 200: TaskList },
      },
    },
    async (request) => ({ tasks: await repo.list(authOf(request).userId, request.query.limit) }),
  );

  app.get(
    '/api/v1/tasks/:id',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Read a task and its steps',
        description:
          "One task of the account with every step: status, attempts, the step's ciphertext and its SHA-256 (what an approval signs), the encrypted result and the signed approval, if any. The server can show statuses but cannot read what a step does or returned.",
        params: TaskParams,
        response: { 200: TaskView },
      },
    },
    async (request) => detail(repo, request, request.params.id),
  );

  app.post(
    '/api/v1/tasks/:id/steps/:stepId/decision',
    {
      preValidation: app.requireAuth,
      schema: {
        tags,
        summary: 'Approve or reject a step',
        description:
          "A device's signed decision on a step that waits for approval. The server checks what it can without a key: an enrolled, unrevoked device of the account signed this exact step's hash, and the approval expires within a week (AURA_APPROVAL_INVALID otherwise); the agent checks it all again before it acts. A step decided already, or not waiting, is AURA_TASK_NOT_WAITING. The user's other devices are told, so they clear their prompt.",
        params: StepParams,
        body: StepDecision,
        response: { 200: StepView },
      },
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
      schema: {
        tags,
        summary: "Report a step attempt's result",
        description:
          "Called by the agent after it ran, or failed to run, one attempt of a dispatched step: `ok`, whether a failure is worth a retry, and the result or error encrypted for the user's devices. The workflow then moves the task on. A late or repeated report of an attempt that is no longer current is accepted and ignored; an unknown task or step is AURA_NOT_FOUND.",
        params: StepParams,
        body: StepResult,
        response: { 200: OkResponse },
      },
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
